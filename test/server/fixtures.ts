/** Paths of the fixture jugfiles (kept as source under test/server/fixtures, never compiled or run by tests). */
import * as fs from "node:fs";
import * as path from "node:path";

/** test/dist/server -> test/server/fixtures */
export const FIXTURES = path.resolve(__dirname, "../../server/fixtures");

/** Compiled server modules: tests load them at run time from server/dist (source imports would
 *  point at the wrong depth once compiled to test/dist/server); types come from `import type`. */
export const SERVER_DIST = path.resolve(__dirname, "../../../server/dist");

export function serverModule<T>(relative: string): T {
  return require(path.join(SERVER_DIST, relative)) as T;
}

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

export function readDisk(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
