export * from './domain/types.js';
