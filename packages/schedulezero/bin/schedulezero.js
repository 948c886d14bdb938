#!/usr/bin/env node
// The CLI entry point; the code lives in dist/ (built by `npm install` via the prepare script).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
// `serve` keeps running; every other command exits with its code.
if (process.argv[2] !== 'serve' || code !== 0) process.exitCode = code;
