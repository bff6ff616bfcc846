// The tutorial example end to end, reduced (TUTORIAL_SMALL=1): `npm run example`'s script runs
// the real CLI with 2 workers, and the answer it prints is the number of scene kinds the
// synthetic images were made with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { StatusDocument } from "jug/protocol";

const root = resolve(__dirname, "../../..");
const jugfile = join(root, "examples", "tutorial", "jugfile.ts");
/** Kinds of scene in examples/tutorial/scenes.ts (sky, forest, sunset, bricks, night). */
const SCENE_KINDS = 5;

test("the tutorial finds the number of scene kinds, with both workers doing work", { timeout: 60_000 }, () => {
  const jugdir = mkdtempSync(join(tmpdir(), "jug-tutorial-"));
  const env = { ...process.env, TUTORIAL_SMALL: "1" };
  try {
    const run = spawnSync(process.execPath, [join(root, "examples", "tutorial", "run.mjs"), "--jugdir", jugdir], { env, encoding: "utf8" });
    assert.equal(run.status, 0, `run.mjs failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`Best number of clusters: ${SCENE_KINDS}\\b`));

    const status = spawnSync(process.execPath, [join(root, "runtime", "bin", "jug.js"), "status", jugfile, "--json", "--jugdir", jugdir], {
      env,
      encoding: "utf8",
    });
    assert.equal(status.status, 0, status.stderr);
    const doc = JSON.parse(status.stdout) as StatusDocument;
    const images = doc.tasks.filter((t) => t.name.endsWith(".renderImage")).length;
    assert.ok(images > 0);
    assert.equal(doc.counts.complete, doc.tasks.length, `not all tasks complete: ${JSON.stringify(doc.counts)}`);
    const answer = doc.tasks.find((t) => t.name.endsWith(".nrClusters"));
    assert.equal(answer?.preview, String(SCENE_KINDS));
    const workers = new Set(doc.tasks.map((t) => t.worker));
    assert.ok(workers.size >= 2, `expected tasks from 2 workers, got ${[...workers].join(", ")}`);

    const pngs = readdirSync(join(root, "examples", "tutorial", "images")).filter((f) => f.endsWith(".png"));
    assert.ok(pngs.length >= images, `${pngs.length} PNG files for ${images} images`);
  } finally {
    rmSync(jugdir, { recursive: true, force: true });
  }
});
