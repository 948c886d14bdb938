/** A documentation site that cannot be read at all (no docs folder, mkdocs.yml that is not YAML). */
export class DocsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocsError';
  }
}
