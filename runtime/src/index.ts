// Public API of "jug" (names FIXED by DESIGN.md). Documented in docs/api.md.
export { Task, Tasklet, TaskGenerator, TaskLike, iterateTask, value } from "./api/task";
export type { Input, Inputs, TaskGeneratorOptions, TaskConstructor, TaskletConstructor } from "./api/task";
export { isJugRunning } from "./api/context";
