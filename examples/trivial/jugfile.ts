// Benchmark jugfile: N trivial tasks + one reduce task (the port of Python jug's benchmark,
// docs/performance.md). N comes from the JUGBENCH_N environment variable (default 2000).
import { TaskGenerator } from "jug";

const N = Number(process.env.JUGBENCH_N ?? "2000");

const double = TaskGenerator(function double(x: number): number {
  return 2 * x;
});

const addAll = TaskGenerator(function addAll(xs: number[]): number {
  return xs.reduce((sum, x) => sum + x, 0);
});

const doubled = Array.from({ length: N }, (_, i) => double(i));
addAll(doubled);
