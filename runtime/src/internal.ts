// Unstable internals for this repository's own tests and tools ("jug/internal"); not part of the public API.
export { resetRegistry, currentRegistry, TaskRegistry, TaskNameCollisionError } from "./api/registry";
export { captureCallSite, parseFrame } from "./api/callsite";
export { DigestTable } from "./hash/digest-table";
export { requireWithCodeCache } from "./loader/code-cache";
export { CacheDir } from "./loader/transpiled-cache";
