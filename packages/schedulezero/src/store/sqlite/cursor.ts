/** SQLite-only list helper; the store-independent cursor code is in ../cursor.ts. */
export { decodeCursor, encodeCursor, page, pageLimit, type SortKey } from '../cursor.js';

/** A `column = @column` condition for each filter given (names are column names, not input). */
export function whereEqual(where: string[], params: Record<string, unknown>, filters: Record<string, string | undefined>): void {
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    where.push(`${column} = @${column}`);
    params[column] = value;
  }
}
