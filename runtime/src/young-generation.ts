/**
 * Keeps V8's young generation at its 1-2 MB start instead of letting it grow to two 16 MB
 * semispaces while a jugfile creates 100,000 long-lived tasks (peak RSS of a 100,000-task
 * execute: -22 MB; no CPU cost measured). A flag cannot be passed to `node` from the `jug` bin
 * portably, so it is set at run time: by the bin first thing, and again by every worker thread
 * at its start, because Node re-applies the process's V8 flags when a thread starts (undoing it).
 */
import { setFlagsFromString } from "node:v8";

export function keepYoungGenerationSmall(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}
