// Loads a compiled client module (client/dist/<name>.js). Tests compile to test/dist/client/, a
// level deeper than their sources, so a relative import would point elsewhere once compiled;
// the type still comes from the source module: load<typeof import("../../client/src/x")>("x").
import { resolve } from "node:path";

export function load<T>(name: string): T {
  return require(resolve(__dirname, "..", "..", "..", "client", "dist", name)) as T;
}
