// Public API of "jug" (names FIXED by DESIGN.md). Filled in by the engine work.
export {};
