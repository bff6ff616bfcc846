// Public API of "jug" (names FIXED by DESIGN.md). Documented in docs/api.md.
export { Task, Tasklet, TaskGenerator, TaskLike, iterateTask, value } from "./api/task";
export type { Input, Inputs, TaskGeneratorOptions, TaskConstructor, TaskletConstructor } from "./api/task";
export { isJugRunning } from "./api/context";
export { CustomHash, NoHash, timedPath, identity, Wrapped } from "./api/wrappers";
export type { HashResult } from "./api/wrappers";
export { JUG_HASH, JUG_VALUE } from "./hash/hashable";
export type { Hashable, ValueWrapper } from "./hash/hashable";
export { mapreduce } from "./api/mapreduce";
export type { MapOptions, ReduceOptions } from "./api/mapreduce";
export { barrier, bvalue, BarrierError } from "./api/barrier";
export { CachedFunction } from "./api/cached";
export { CompoundTask, CompoundTaskGenerator } from "./api/compound";
export type { ValueOf } from "./api/compound";
export { jugExecute } from "./api/exec";
export type { JugExecuteOptions } from "./api/exec";
export { registerHook } from "./api/hooks";
export type { HookArguments, HookName } from "./api/hooks";
