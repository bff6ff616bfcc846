/**
 * jiti's output per source file, kept between runs so that loading an unchanged jugfile needs
 * neither babel nor jiti itself (jiti's own module and the Node built-ins it loads cost ~25 ms of
 * every command). An entry is named by a hash of what the output depends on (format, the runtime and
 * jiti versions, the file's path and its source), so a changed file is a miss, never a stale hit.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Raised when what an entry holds, or how it is evaluated, changes. */
const FORMAT = "jug-transpiled-1";

/** Where entries live by default (JUG_TRANSPILED_CACHE overrides): one directory per user under the system's temporary directory. */
export function defaultCacheDir(): string {
  const chosen = process.env["JUG_TRANSPILED_CACHE"];
  if (chosen) return chosen;
  const uid = process.getuid?.();
  return path.join(os.tmpdir(), uid === undefined ? "jug-transpiled" : `jug-transpiled-${uid}`);
}

/** A directory of cache entries owned by this user alone; every operation is best effort. */
export class CacheDir {
  /** null until checked; false when the directory is not ours alone (another user could plant code in it). */
  private trusted: boolean | null = null;

  constructor(readonly dir: string) {}

  /** The entry's bytes, or null. */
  read(name: string): Buffer | null {
    if (!this.isTrusted()) return null;
    try {
      return fs.readFileSync(path.join(this.dir, name));
    } catch {
      return null;
    }
  }

  /** Keeps `data` as entry `name`. A cache that cannot be written only costs time. */
  write(name: string, data: string | Uint8Array): void {
    const entry = path.join(this.dir, name);
    const temporary = `${entry}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (!this.isTrusted()) return;
      // Written whole, then renamed: a concurrent reader (another worker) sees no entry or all of it.
      fs.writeFileSync(temporary, data, { mode: 0o600 });
      fs.renameSync(temporary, entry);
    } catch {
      fs.rmSync(temporary, { force: true });
    }
  }

  /** Removes the entries whose names start with `prefix`, except `keep`. */
  prune(prefix: string, keep: string): void {
    try {
      for (const name of fs.readdirSync(this.dir)) if (name.startsWith(prefix) && name !== keep) fs.rmSync(path.join(this.dir, name), { force: true });
    } catch {
      // best effort
    }
  }

  private isTrusted(): boolean {
    if (this.trusted !== null) return this.trusted;
    const stat = fs.statSync(this.dir, { throwIfNoEntry: false });
    if (!stat) return false; // not created yet: nothing to read (write() creates it, then checks again)
    const uid = process.getuid?.();
    this.trusted = stat.isDirectory() && (uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0));
    return this.trusted;
  }
}

export class TranspiledCache {
  constructor(
    private readonly entries: CacheDir,
    /** Whatever else the output depends on (the runtime's and jiti's versions). */
    private readonly salt: string,
  ) {}

  /** The code kept for `file` with exactly this `source`, or null. */
  get(file: string, source: string): string | null {
    return this.entries.read(this.entryName(file, source))?.toString("utf8") ?? null;
  }

  /** Keeps `code` for `file` with `source`. */
  set(file: string, source: string, code: string): void {
    this.entries.write(this.entryName(file, source), code);
  }

  private entryName(file: string, source: string): string {
    return `${createHash("sha256").update(`${FORMAT}\0${this.salt}\0${file}\0`).update(source).digest("hex")}.js`;
  }
}
