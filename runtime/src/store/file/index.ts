/**
 * The file store: `<jugfile name>.jugdata/` (layout in docs/store-layout.md).
 *
 * Results live in append-only logs, one per writing process (logs/<writer>.log), as checksummed
 * records; small results inline, large ones in blob files written to tmp/ and renamed into place.
 * Every process keeps an index of all logs, read incrementally from where it stopped, so other
 * workers' results show up within one refresh. Appends are single write() calls, visible to other
 * processes at once; fsync is batched (group commit), since a torn or lost tail is detected by its
 * checksum and only means those tasks run again. Locks: lock-keeper.ts (proper-lockfile in a thread).
 *
 * Small operations use synchronous fs calls: they take microseconds, and the async versions would
 * add a thread-pool round trip to every task.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import {
  CorruptResultError,
  MissingResultError,
  StoreAccessError,
  StoreLayoutError,
  type Disposable,
  type FailureRecord,
  type HeldLock,
  type LockOwner,
  type ResultMeta,
  type Store,
  type StoreSnapshot,
} from "../types";
import {
  RECORD_HEADER_BYTES,
  RECORD_MAGIC,
  Kind,
  blobResultRecord,
  crc32,
  decodeEvent,
  decodeResultHead,
  failureRecord,
  inlineResultRecord,
  resultMetaEnd,
  scanRecords,
  tombstoneRecord,
} from "./records";
import { ResultIndex } from "./result-index";
import { LogIndexDamaged, encodeLogIndex, eventEntry, forEachEvent, indexCovers, prefixDirectory, readLogIndex, sortedByKey } from "./log-index";
import { LockKeeperClient } from "./lock-keeper-client";
import { isAlive, isDeadLocalOwner, lockStaleMs } from "../lock-owner";
import { readOwner, removeLockEntry } from "./lock-entry";

/** The on-disk layout version, written to jug-store.json. Bump on any incompatible change. */
export const STORE_LAYOUT_VERSION = 1;
const MARKER_FILE = "jug-store.json";
/** Results up to this size are stored inline in the log; larger ones in their own blob file. */
const INLINE_LIMIT = 64 * 1024;
/** Group commit: the writer's log is fsynced at most this long after an append (and on close). */
const FSYNC_DELAY_MS = 200;
/** has()/meta() re-read other processes' logs on a miss when the index is older than this. */
const INDEX_MAX_AGE_MS = 50;
/** Fallback poll of watch(), for file systems without change notification (network mounts). */
const WATCH_POLL_MS = 50;
const MAX_PREVIEW_CHARS = 1000;
/** lock() lets the event loop run at least this often (see yieldIfDue). */
const YIELD_EVERY_MS = 10;
/** A log shorter than this gets no saved index when it is closed: reading it costs a millisecond or two. */
const SAVED_INDEX_MIN_LOG_BYTES = 64 * 1024;
interface StoreMarker {
  format: "jug-store";
  layout: number;
}

/** A log file being followed. */
interface Log {
  readonly name: string;
  /** Small number standing for the name in record ids (see recordId). */
  readonly number: number;
  readonly path: string;
  /** Bytes parsed so far. */
  parsed: number;
  /** Bytes from the start whose result records have their metadata in memory (see loadHeads). */
  headsLoaded: number;
  /** Its tombstone and failure records (log-index eventEntry), for a saved index of it; undefined once not needed. */
  events: Buffer[] | undefined;
  /** A record of it was found damaged: it gets no saved index, so every reader reads it and finds the damage. */
  damaged: boolean;
  /** Its writer is a dead process on this host and it was read to the end: it cannot change, never stat it again. */
  final: boolean;
  /** When the writer was last checked for life (only while the log does not grow). */
  checkedAt: number;
}

/**
 * Descriptors of other processes' logs kept open, at most this many (least recently opened closed
 * first): opening a log per refresh or per result read cost two system calls per task.
 */
const MAX_OPEN_LOGS = 256;
/** readAhead(): how much is read at once, and how far after the previous read a read still counts as the next one. */
const READ_AHEAD_BYTES = 64 * 1024;
const READ_AHEAD_GAP = 4096;

/** Log names are `<host>-<pid>-<random>.log`: the writer, to tell when a log can no longer grow. */
const LOG_NAME = /^(.*)-(\d+)-[0-9a-f]{8}\.log$/;
const WRITER_CHECK_MS = 1000;

/** A live failure marker (they are few: kept as objects, unlike results). */
/** The log this process appends to. */
interface OwnLog extends Log {
  fd: number;
  fsyncTimer?: NodeJS.Timeout;
  /** Bytes written to the file; `parsed` also counts the records still pending (see append). */
  written: number;
}

interface FailureEntry {
  failure: FailureRecord;
  log: Log;
  offset: number;
}

export class FileStore implements Store {
  readonly location: string;
  private readonly logsDir: string;
  private readonly locksDir: string;
  private readonly locksPrefix: string;
  private readonly tmpDir: string;
  private readonly blobsDir: string;

  private readonly logs = new Map<string, Log>();
  /** Live result records. */
  private readonly results = new ResultIndex((log) => this.loadHeads(log));
  /** Live failure markers per hash (the last is current). */
  private readonly failures = new Map<string, FailureEntry[]>();
  /** Records removed by a tombstone (possibly read before the record itself), by recordId. */
  private readonly dead = new Set<number>();
  /** Log name -> number, also for logs only named by a tombstone so far. */
  private readonly logNumbers = new Map<string, number>();
  private readonly logNames: string[] = [];
  /** Counts changes to the index, so snapshot() rebuilds its maps only after a change. */
  private version = 0;
  private snapshotCache: { version: number; results: Map<string, ResultMeta>; failures: Map<string, FailureRecord> } | undefined;
  private readonly problems: string[] = [];
  private lastRefresh = -Infinity;
  /** A lock was taken since the last refresh: the next lookup or write refreshes first. */
  private refreshDue = false;
  private lastYield = 0;
  /** mtime of logs/ when it was last listed. */
  private logsListedAt = NaN;

  private own: OwnLog | undefined;
  /** Records indexed but not yet written to the own log (append); `hash` for a deferred result. */
  private pending: Array<{ record: Buffer; offset: number; hash: string }> = [];
  private readonly host = os.hostname().replace(/[^\w.-]/g, "_");
  private prepared = false;
  private keeper: LockKeeperClient | undefined;
  private readonly heldLocks = new Map<string, HeldLock>();
  /** Open descriptors of logs this process reads (not its own), by path, oldest first. */
  private readonly openLogs = new Map<string, number>();
  /** logs/, open once it exists (discoverLogs). */
  private logsDirFd: number | undefined;
  /** Where tail() reads new records first (usually one record of ~220 bytes). */
  private readonly tailBuffer = Buffer.allocUnsafeSlow(64 * 1024);
  /** The last part of a log read ahead by readAhead(), and where the last read of that log ended. */
  private readonly ahead: { log: Log | undefined; start: number; length: number; nextAt: number; bytes: Buffer } = {
    log: undefined,
    start: 0,
    length: 0,
    nextAt: -1,
    bytes: Buffer.allocUnsafeSlow(READ_AHEAD_BYTES),
  };
  private readonly watchers = new Set<() => void>();
  private watching: { close(): void } | undefined;
  private closed = false;

  private constructor(
    dir: string,
    private readonly onProblem: ((message: string) => void) | undefined,
    private readonly lockStaleMs: number,
  ) {
    this.location = dir;
    this.logsDir = path.join(dir, "logs");
    this.locksDir = path.join(dir, "locks");
    this.locksPrefix = this.locksDir + path.sep;
    this.tmpDir = path.join(dir, "tmp");
    this.blobsDir = path.join(dir, "blobs");
  }

  /** Opens (without creating anything) the store in `dir`; refuses another layout version or a directory that is not a store. */
  static async open(dir: string, options: { onProblem?: (message: string) => void; lockStaleMs?: number } = {}): Promise<FileStore> {
    const abs = path.resolve(dir);
    checkLayout(abs);
    return new FileStore(abs, options.onProblem, lockStaleMs(options.lockStaleMs));
  }

  // --- results -------------------------------------------------------------------------------

  async has(hash: string): Promise<boolean> {
    return this.current(hash) !== undefined;
  }

  async meta(hash: string): Promise<ResultMeta | undefined> {
    const slot = this.current(hash);
    return slot === undefined ? undefined : this.results.head(slot)?.meta;
  }

  async read(hash: string): Promise<Uint8Array> {
    const slot = this.current(hash, 0); // a read is worth an up-to-date index
    if (slot === undefined) throw new MissingResultError(hash, this.location);
    const place = this.results.place(slot);
    const log = this.logs.get(this.logNames[place.log]!)!;
    // The record is checked whole, whatever an index of it said: its checksum, then its fields.
    const bytes = this.readRecordBytes(hash, log, place);
    const body = bytes.subarray(RECORD_HEADER_BYTES);
    if (bytes.readUInt32LE(0) !== RECORD_MAGIC || crc32(body) !== bytes.readUInt32LE(8)) {
      throw this.corrupt(hash, log, place.offset, log.path, `record at byte ${place.offset} fails its checksum`);
    }
    let headEnd: number;
    try {
      headEnd = resultMetaEnd(body);
    } catch (e) {
      throw this.corrupt(hash, log, place.offset, log.path, `record at byte ${place.offset} is malformed (${(e as Error).message})`);
    }
    if (body[0] === Kind.Inline) return body.subarray(headEnd);
    const head = decodeResultHead(body, 0);
    const blobPath = path.join(this.location, head.blobPath);
    let data: Buffer;
    try {
      data = await fs.promises.readFile(blobPath);
    } catch (e) {
      throw this.corrupt(hash, log, place.offset, blobPath, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (data.length !== head.meta.size) {
      throw this.corrupt(hash, log, place.offset, blobPath, `it has ${data.length} bytes, ${head.meta.size} expected (truncated?)`);
    }
    if (crc32(data) !== head.blobCrc) throw this.corrupt(hash, log, place.offset, blobPath, "checksum mismatch (altered?)");
    return data;
  }

  async write(hash: string, data: Uint8Array, meta: ResultMeta): Promise<void> {
    this.prepareForWriting();
    if (this.refreshDue) this.refresh(); // a failure marker written before our lock was taken is cleared too
    // The preview is meant to be short; a long one would bloat every status read.
    const preview = meta.preview.length > MAX_PREVIEW_CHARS ? `${meta.preview.slice(0, MAX_PREVIEW_CHARS - 1)}…` : meta.preview;
    const stored: ResultMeta = { ...meta, size: data.byteLength, preview };
    const record =
      data.byteLength <= INLINE_LIMIT
        ? inlineResultRecord(hash, stored, data)
        : blobResultRecord(hash, stored, crc32(data), await this.writeBlob(hash, data));
    // Holding this task's lock and others (a worker's batch): the record waits for the first release,
    // which appends the batch's results in one write.
    const deferred = this.heldLocks.size > 1 && this.heldLocks.has(hash) ? hash : undefined;
    this.append(this.failures.has(hash) ? [record, ...this.clearsOf(hash)] : [record], deferred);
  }

  async remove(hashes: readonly string[]): Promise<number> {
    this.refresh();
    let removed = 0;
    const records: Buffer[] = [];
    const blobs: string[] = [];
    for (const hash of hashes) {
      const live = this.results.live(hash);
      if (live.length > 0) removed++;
      for (const slot of live) {
        const place = this.results.place(slot);
        records.push(tombstoneRecord(Kind.Removed, hash, { log: this.logNames[place.log]!, offset: place.offset }));
        const blob = this.results.kind(slot) === Kind.Blob ? this.results.head(slot)?.blobPath : undefined;
        if (blob) blobs.push(path.join(this.location, blob));
      }
      records.push(...this.clearsOf(hash));
    }
    if (records.length > 0) {
      this.prepareForWriting();
      this.append(records);
    }
    for (const b of blobs) fs.rmSync(b, { force: true });
    return removed;
  }

  // --- failures ------------------------------------------------------------------------------

  async markFailed(hash: string, failure: FailureRecord): Promise<void> {
    this.prepareForWriting();
    this.append([failureRecord(hash, failure)]);
  }

  async clearFailed(hash: string): Promise<void> {
    this.refresh();
    const clears = this.clearsOf(hash);
    if (clears.length === 0) return;
    this.prepareForWriting();
    this.append(clears);
  }

  /** Tombstones for the live failure markers of `hash`. */
  private clearsOf(hash: string): Buffer[] {
    const live = this.failures.get(hash);
    return live ? live.map((f) => tombstoneRecord(Kind.Cleared, hash, { log: f.log.name, offset: f.offset })) : [];
  }

  // --- locks ---------------------------------------------------------------------------------

  async lock(hash: string, owner: LockOwner): Promise<HeldLock | null> {
    if (this.heldLocks.has(hash)) return null;
    this.prepareForWriting();
    this.keeper ??= new LockKeeperClient((lockDir, message) =>
      this.report(`lock ${lockDir} was lost: ${message} (another worker may run that task too)`),
    );
    const lockDir = this.lockDirOf(hash);
    const yielding = this.yieldIfDue();
    if (yielding) await yielding;
    if (!(await this.keeper.lock(lockDir, owner, this.lockStaleMs))) return null;
    // Results written before the previous holder released are visible to the next lookup: has() after
    // lock() is exact. One refresh serves every lock taken before it (a worker that locks a batch of
    // tasks reads the other logs once for all of them).
    this.refreshDue = true;
    let released = false;
    const held: HeldLock = {
      hash,
      // Removes the entry at once; the keeper stops refreshing it soon after. Idempotent. A failure
      // (the entry cannot be removed) is reported as a problem: the lock then goes stale.
      release: async () => {
        if (released) return;
        released = true;
        this.heldLocks.delete(hash);
        try {
          this.flush(); // the results written under this lock (and any other deferred) first
        } catch {
          // reported by flush(); the lock is released all the same (its task is not computed)
        }
        try {
          this.keeper?.release(lockDir);
        } catch (e) {
          this.report(`could not release lock ${lockDir}: ${(e as Error).message}`);
        }
      },
    };
    this.heldLocks.set(hash, held);
    return held;
  }

  /**
   * An uncontended lock, has() and write() complete without real I/O waits, so a worker loop over
   * trivial tasks would run on microtasks alone and starve the event loop (no signal handlers, no
   * watch callbacks). lock() therefore lets the event loop run every few milliseconds.
   */
  private yieldIfDue(): Promise<void> | undefined {
    if (performance.now() - this.lastYield < YIELD_EVERY_MS) return undefined; // no promise to await per task otherwise
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.lastYield = performance.now();
    });
  }


  // --- status --------------------------------------------------------------------------------

  async snapshot(): Promise<StoreSnapshot> {
    this.refresh();
    // Built once per change of the index and shared by later snapshots, down to the metadata
    // objects (copying 100,000 of them per call would cost more than reading them): treat as read-only.
    if (this.snapshotCache?.version !== this.version) {
      const failures = new Map<string, FailureRecord>();
      for (const [hash, entries] of this.failures) failures.set(hash, entries[entries.length - 1]!.failure);
      this.snapshotCache = { version: this.version, results: this.results.snapshot(), failures };
    }
    const { results, failures } = this.snapshotCache;
    return { results, locks: this.readLocks(), failures, problems: [...this.problems] };
  }

  /** Live locks: not stale, and not owned by a dead process on this host. */
  private readLocks(): Map<string, LockOwner> {
    const locks = new Map<string, LockOwner>();
    let names: string[];
    try {
      names = fs.readdirSync(this.locksDir);
    } catch {
      return locks;
    }
    const staleBefore = Date.now() - this.lockStaleMs;
    for (const name of names) {
      if (!name.endsWith(".lock")) continue;
      const lockDir = path.join(this.locksDir, name);
      const owner = readOwner(lockDir);
      if (!owner || isDeadLocalOwner(owner)) continue;
      try {
        if (fs.lstatSync(lockDir).mtimeMs < staleBefore) continue;
      } catch {
        continue;
      }
      locks.set(name.slice(0, -".lock".length), owner);
    }
    return locks;
  }

  watch(onChange: () => void): Disposable {
    const listener = () => onChange();
    this.watchers.add(listener);
    this.watching ??= this.startWatching();
    return {
      dispose: () => {
        this.watchers.delete(listener);
        if (this.watchers.size === 0) {
          this.watching?.close();
          this.watching = undefined;
        }
      },
    };
  }

  /** fs.watch on logs/ and locks/ wakes waiters within milliseconds; a short poll covers file systems without events. */
  private startWatching(): { close(): void } {
    let scheduled = false;
    let lastLocks = "";
    const check = (force: boolean) => {
      scheduled = false;
      if (this.closed) return;
      const grew = this.refresh();
      const locks = this.lockNames();
      if (grew || force || locks !== lastLocks) {
        lastLocks = locks;
        for (const w of this.watchers) w();
      }
    };
    const onEvent = () => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => check(true));
    };
    // logs/ and locks/ may not exist yet (nothing written): the poll covers them until they do.
    const fsWatchers = new Map<string, fs.FSWatcher>();
    const watchDirs = () => {
      for (const dir of [this.logsDir, this.locksDir]) {
        if (fsWatchers.has(dir)) continue;
        try {
          const w = fs.watch(dir, { persistent: true }, onEvent);
          w.on("error", () => w.close()); // e.g. the store was removed; the poll goes on
          fsWatchers.set(dir, w);
        } catch {
          // not created yet, or no notification support
        }
      }
    };
    watchDirs();
    lastLocks = this.lockNames();
    const poll = setInterval(() => {
      if (fsWatchers.size < 2) watchDirs();
      check(false);
    }, WATCH_POLL_MS);
    return {
      close: () => {
        clearInterval(poll);
        for (const w of fsWatchers.values()) w.close();
      },
    };
  }

  private lockNames(): string {
    try {
      return fs.readdirSync(this.locksDir).join("/");
    } catch {
      return "";
    }
  }

  // --- cleanup -------------------------------------------------------------------------------

  async cleanup(options: { locks: boolean; failed: boolean; results: boolean; keep?: ReadonlySet<string> }) {
    const keep = options.keep ?? new Set<string>();
    const counts = { locks: 0, failed: 0, results: 0 };
    this.refresh();
    if (options.locks) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(this.locksDir);
      } catch {
        // no locks directory: no locks
      }
      for (const name of names) {
        if (!name.endsWith(".lock") || keep.has(name.slice(0, -".lock".length))) continue;
        try {
          removeLockEntry(path.join(this.locksDir, name));
          counts.locks++;
        } catch {
          // released meanwhile
        }
      }
    }
    if (options.failed) {
      for (const hash of [...this.failures.keys()].filter((h) => !keep.has(h))) {
        await this.clearFailed(hash);
        counts.failed++;
      }
    }
    if (options.results) {
      counts.results = await this.remove([...this.results.hashes()].filter((h) => !keep.has(h)));
      this.removeOldTempFiles();
    }
    return counts;
  }

  /** Staging files older than an hour belong to writers that crashed. */
  private removeOldTempFiles(): void {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.tmpDir);
    } catch {
      return;
    }
    const before = Date.now() - 3_600_000;
    for (const name of names) {
      const p = path.join(this.tmpDir, name);
      try {
        if (fs.statSync(p).mtimeMs < before) fs.rmSync(p, { force: true });
      } catch {
        // gone already
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watching?.close();
    this.watching = undefined;
    await Promise.all([...this.heldLocks.values()].map((l) => l.release()));
    await this.keeper?.close();
    this.flush();
    if (this.own) {
      clearTimeout(this.own.fsyncTimer);
      fs.fdatasyncSync(this.own.fd);
      this.saveIndex(this.own);
      fs.closeSync(this.own.fd);
    }
    for (const fd of this.openLogs.values()) fs.closeSync(fd);
    this.openLogs.clear();
    if (this.logsDirFd !== undefined) fs.closeSync(this.logsDirFd);
    this.logsDirFd = undefined;
  }

  /**
   * readLog() for results read one after another (a task that needs thousands of results): a read
   * that starts just after the previous one reads READ_AHEAD_BYTES and later reads are copied from
   * them (log bytes never change once written), so results in log order cost one system call per
   * READ_AHEAD_BYTES, not one each. Other reads go straight to the log.
   */
  private readAhead(log: Log, into: Buffer, position: number): number {
    const ahead = this.ahead;
    const end = position + into.length;
    if (ahead.log === log && position >= ahead.start && end <= ahead.start + ahead.length) {
      ahead.bytes.copy(into, 0, position - ahead.start, end - ahead.start);
      ahead.nextAt = end;
      return into.length;
    }
    const sequential = ahead.log === log && position >= ahead.nextAt && position - ahead.nextAt < READ_AHEAD_GAP;
    ahead.log = log;
    ahead.nextAt = end;
    if (!sequential || into.length > READ_AHEAD_BYTES / 4) {
      ahead.length = 0;
      return this.readLog(log, into, position);
    }
    ahead.start = position;
    ahead.length = this.readLog(log, ahead.bytes, position);
    const got = Math.min(ahead.length, into.length);
    ahead.bytes.copy(into, 0, 0, got);
    return got;
  }

  /** Reads `into.length` bytes of `log` at `position` (fewer at its end) through a kept descriptor. */
  private readLog(log: Log, into: Buffer, position: number): number {
    if (log === this.own) {
      this.flush();
      return readFully(this.own.fd, into, position);
    }
    let fd = this.openLogs.get(log.path);
    if (fd === undefined) {
      fd = fs.openSync(log.path, "r");
      if (this.openLogs.size >= MAX_OPEN_LOGS) {
        const [oldest, oldFd] = this.openLogs.entries().next().value as [string, number];
        this.openLogs.delete(oldest);
        fs.closeSync(oldFd);
      }
      this.openLogs.set(log.path, fd);
    }
    return readFully(fd, into, position);
  }

  // --- the index -----------------------------------------------------------------------------

  /** The current result entry for `hash`, re-reading other processes' logs on a miss when the index is not fresh. */
  private current(hash: string, maxAgeMs = INDEX_MAX_AGE_MS): number | undefined {
    if (this.refreshDue) this.refresh();
    let slot = this.results.current(hash);
    if (slot === undefined && performance.now() - this.lastRefresh >= maxAgeMs) {
      this.refresh();
      slot = this.results.current(hash);
    }
    return slot;
  }

  /** Reads what other processes appended since the last refresh. True when anything new was found. */
  private refresh(): boolean {
    this.lastRefresh = performance.now();
    this.refreshDue = false;
    this.discoverLogs();
    let grew = false;
    for (const log of this.logs.values()) if (log !== this.own && this.tail(log)) grew = true;
    return grew;
  }

  /**
   * Lists logs/ again only when its mtime says a log was created or removed: one fstat of the
   * directory, kept open (this runs once per task; a stat by path walks every component of it).
   */
  private discoverLogs(): void {
    if (this.logsDirFd === undefined) {
      try {
        this.logsDirFd = fs.openSync(this.logsDir, "r");
      } catch {
        return; // no logs yet
      }
    }
    const listedAt = fs.fstatSync(this.logsDirFd).mtimeMs;
    if (listedAt === this.logsListedAt) return;
    const names = fs.readdirSync(this.logsDir);
    const savedIndexes = new Set(names.filter((n) => n.endsWith(SAVED_INDEX_SUFFIX)));
    for (const name of names) {
      if (!name.endsWith(".log") || this.logs.has(name)) continue;
      const log: Log = { name, number: this.logNumber(name), path: path.join(this.logsDir, name), parsed: 0, headsLoaded: 0, final: false, checkedAt: 0, events: [], damaged: false };
      this.logs.set(name, log);
      if (savedIndexes.has(savedIndexName(name))) this.useSavedIndex(log);
    }
    // A file system with 1 s mtimes could hide a log created within the same second: there, trust
    // only mtimes that have settled. Sub-second mtimes (ext4, tmpfs, APFS, NFSv4) are trusted at once.
    const fineGrained = listedAt % 1000 !== 0;
    this.logsListedAt = fineGrained || Date.now() - listedAt > 2000 ? listedAt : NaN;
  }

  /**
   * Reads what was appended to `log` since the last time: a read at the end of what was parsed,
   * without a stat first (this runs once per task per other writer; nothing new costs one pread).
   * A finished log of a dead local writer is never looked at again.
   */
  private tail(log: Log): boolean {
    if (log.final) return false;
    let got: number;
    try {
      if (!this.openLogs.has(log.path) && this.openLogs.size >= MAX_OPEN_LOGS && fs.statSync(log.path).size <= log.parsed) {
        got = 0; // not worth a descriptor (one of very many logs): it did not grow
      } else got = this.readLog(log, this.tailBuffer, log.parsed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      log.final = true; // removed
      return false;
    }
    if (got === 0) {
      this.checkWriterGone(log);
      return false;
    }
    // Not from the shared pool: the index may keep this chunk (ResultIndex.endChunk).
    let read: Buffer;
    /** The read stopped at the end of the log (a read of a regular file returns less only there). */
    let atEnd: boolean;
    if (got < this.tailBuffer.length) {
      read = Buffer.allocUnsafeSlow(got);
      this.tailBuffer.copy(read, 0, 0, got);
      atEnd = true;
    } else {
      // More than the buffer holds (a log read for the first time): read the rest at its size.
      const size = fs.fstatSync(this.openLogs.get(log.path)!).size;
      const chunk = Buffer.allocUnsafeSlow(Math.max(got, size - log.parsed));
      this.tailBuffer.copy(chunk, 0, 0, got);
      got += this.readLog(log, chunk.subarray(got), log.parsed + got);
      read = chunk.subarray(0, got);
      atEnd = log.parsed + got >= size;
    }
    const before = this.version;
    this.results.beginChunk(read, "index");
    let outcome: ReturnType<typeof scanRecords>;
    let kept = false;
    try {
      outcome = scanRecords(read, log.parsed, (body, offset, length) => this.index(log, body, offset, length));
    } finally {
      kept = this.results.endChunk();
    }
    for (const p of outcome.problems) this.reportDamage(log, p);
    if (outcome.problems.length > 0) log.damaged = true;
    if (kept && log.headsLoaded === log.parsed) log.headsLoaded += outcome.consumed;
    log.parsed += outcome.consumed;
    if (atEnd && outcome.consumed === got) this.checkWriterGone(log);
    return this.version !== before;
  }

  /**
   * Gives the results of log number `n` their metadata: reads the part of the log whose heads are not
   * in memory, checking each record's checksum (a record found damaged is reported and dropped).
   */
  private loadHeads(n: number): void {
    const log = this.logs.get(this.logNames[n]!);
    if (!log || log.headsLoaded >= log.parsed) return;
    const from = log.headsLoaded;
    const chunk = Buffer.allocUnsafeSlow(log.parsed - from);
    let got: number;
    try {
      got = this.readLog(log, chunk, from);
    } catch (e) {
      this.report(`cannot read ${log.path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the metadata of its results is not shown`);
      return;
    }
    const read = chunk.subarray(0, got);
    let outcome: ReturnType<typeof scanRecords>;
    if (this.results.isSegment(log.number)) {
      outcome = scanRecords(read, from, () => {}); // the checksums: the segment knows where each record is
      this.results.attachHeads(log.number, read, from);
    } else {
      this.results.beginChunk(read, "heads");
      try {
        outcome = scanRecords(read, from, (body, offset) => {
          if (body[0] === Kind.Inline || body[0] === Kind.Blob) this.results.upgrade(log.number, offset, body, resultMetaEnd(body));
        });
      } finally {
        this.results.endChunk();
      }
    }
    for (const p of outcome.problems) {
      if (p.hash) this.forget(p.hash, log, p.offset);
      this.reportDamage(log, p);
    }
    log.headsLoaded = from + outcome.consumed;
  }

  /**
   * Indexes a log from its saved index (log-index.ts), when there is one that covers the log as it is
   * now: no record of it is read. A damaged index is reported, and the log is read instead.
   */
  private useSavedIndex(log: Log): void {
    const indexPath = path.join(this.logsDir, savedIndexName(log.name));
    let saved: ReturnType<typeof readLogIndex>;
    let indexMtimeNs: bigint;
    try {
      const fd = fs.openSync(indexPath, "r");
      try {
        const stat = fs.fstatSync(fd, { bigint: true });
        indexMtimeNs = stat.mtimeNs;
        saved = readLogIndex(Number(stat.size), (into, position) => {
          if (readFully(fd, into, position) !== into.length) throw new LogIndexDamaged("truncated");
        });
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      if (e instanceof LogIndexDamaged) this.report(`saved index ${indexPath} is damaged (${e.message}); reading ${log.path} instead`);
      return; // otherwise removed meanwhile, or unreadable: read the log
    }
    if (!saved || saved.logName !== log.name) return;
    let now: fs.BigIntStats;
    try {
      now = fs.statSync(log.path, { bigint: true });
    } catch {
      return;
    }
    if (!indexCovers(saved.stamp, { size: now.size, mtimeNs: now.mtimeNs, ctimeNs: now.ctimeNs, ino: now.ino }, indexMtimeNs)) return;
    this.version++;
    this.results.addSegment(log.number, saved, this.dead.size > 0 ? (offset) => this.dead.has(recordId(log.number, offset)) : undefined);
    log.events = undefined; // it has its index
    forEachEvent(saved.events, (offset, body, length) => this.index(log, body, offset, length));
    log.parsed = Number(saved.stamp.size);
  }

  /**
   * Writes the saved index of a log that can no longer change: this process's own (at close), or
   * one whose writer died (read in full), so that later readers need not parse it. Best effort: a
   * cache (a reader without write permission writes none).
   */
  private saveIndex(log: Log): void {
    const events = log.events;
    log.events = undefined;
    if (log.damaged || !events || log.parsed < SAVED_INDEX_MIN_LOG_BYTES || this.results.isSegment(log.number)) return;
    const tmp = path.join(this.tmpDir, `${savedIndexName(log.name)}.${randomBytes(4).toString("hex")}`);
    try {
      const stat = log === this.own ? fs.fstatSync(this.own.fd, { bigint: true }) : fs.statSync(log.path, { bigint: true });
      const records = this.results.recordsOf(log.number);
      if (stat.size !== BigInt(log.parsed) || !records) return; // not all read (or not only ours), or a hash that is not a task hash
      const sorted = sortedByKey(records);
      const bytes = encodeLogIndex({
        logName: log.name,
        stamp: { size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, ino: stat.ino },
        ...sorted,
        dir: prefixDirectory(sorted.keys, sorted.offsets.length),
        events: Buffer.concat(events),
      });
      const fd = fs.openSync(tmp, "wx");
      try {
        writeFully(fd, bytes, 0);
        // Readers trust an index only if it is newer than the log's last change (log-index.ts indexCovers);
        // file times are coarse (a clock tick of 1-10 ms), so within the same tick as the last append, write again a moment later.
        for (let tries = 0; fs.fstatSync(fd, { bigint: true }).mtimeNs <= stat.ctimeNs && tries < 100; tries++) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          writeFully(fd, bytes.subarray(0, 4), 0);
        }
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path.join(this.logsDir, savedIndexName(log.name)));
    } catch {
      try {
        fs.rmSync(tmp, { force: true }); // no index: readers read the log
      } catch {
        // not even that (a read-only store)
      }
    }
  }


  /** Indexes one checksummed record (throws, changing nothing, when it is malformed). */
  private index(log: Log, body: Buffer, offset: number, length: number): void {
    const kind = body[0];
    if (kind === Kind.Inline || kind === Kind.Blob) {
      const headEnd = log === this.own ? 0 : resultMetaEnd(body); // own records were just encoded, and only their keys are kept
      this.version++;
      if (!this.dead.has(recordId(log.number, offset))) this.results.add(log.number, offset, length, body, headEnd);
      return;
    }
    const event = decodeEvent(body);
    this.version++;
    log.events?.push(eventEntry(offset, Buffer.from(body.buffer, body.byteOffset - RECORD_HEADER_BYTES, length)));
    switch (event.kind) {
      case Kind.Failed:
        if (this.dead.has(recordId(log.number, offset))) break;
        this.failures.set(event.hash, [...(this.failures.get(event.hash) ?? []), { failure: event.failure, log, offset }]);
        break;
      case Kind.Removed:
      case Kind.Cleared: {
        const targetLog = this.logNumber(event.target.log);
        this.dead.add(recordId(targetLog, event.target.offset));
        if (event.kind === Kind.Removed) this.results.drop(event.hash, targetLog, event.target.offset);
        else this.dropFailure(event.hash, event.target.log, event.target.offset);
        break;
      }
    }
  }

  private reportDamage(log: Log, p: { offset: number; detail: string; hash?: string }): void {
    this.report(
      `damaged record in ${log.path} at byte ${p.offset}${p.hash ? ` (task ${p.hash})` : ""}: ${p.detail}; ` +
        `ignored, so that task counts as not computed and the next execute recomputes it`,
    );
  }

  private dropFailure(hash: string, logName: string, offset: number): void {
    const rest = (this.failures.get(hash) ?? []).filter((f) => f.log.name !== logName || f.offset !== offset);
    if (rest.length === 0) this.failures.delete(hash);
    else this.failures.set(hash, rest);
  }

  private logNumber(name: string): number {
    let n = this.logNumbers.get(name);
    if (n === undefined) {
      n = this.logNames.push(name) - 1;
      this.logNumbers.set(name, n);
    }
    return n;
  }

  private checkWriterGone(log: Log): void {
    const now = Date.now();
    if (now - log.checkedAt < WRITER_CHECK_MS) return;
    log.checkedAt = now;
    const writer = LOG_NAME.exec(log.name);
    if (!writer || writer[1] !== this.host || Number(writer[2]) === process.pid || isAlive(Number(writer[2]))) return;
    log.final = true;
    // Its writer died without writing the log's index (killed): write it for the next readers.
    this.saveIndex(log);
  }

  private readRecordBytes(hash: string, log: Log, place: { offset: number; length: number }): Buffer {
    const bytes = Buffer.allocUnsafe(place.length);
    let got: number;
    try {
      got = this.readAhead(log, bytes, place.offset);
    } catch (e) {
      throw this.corrupt(hash, log, place.offset, log.path, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (got < bytes.length) throw this.corrupt(hash, log, place.offset, log.path, `the log ends at byte ${place.offset + got} (truncated?)`);
    return bytes;
  }

  /** Forgets a damaged result (the record at `offset` of `log`: has() is false and the task is recomputed) and builds the error. */
  private corrupt(hash: string, log: Log, offset: number, where: string, detail: string): CorruptResultError {
    this.forget(hash, log, offset);
    const error = new CorruptResultError(hash, where, `${detail}; it counts as not computed and will be recomputed`);
    this.report(error.message);
    return error;
  }

  /** Drops the result record at `offset` of `log` (damaged): the task counts as not computed. */
  private forget(hash: string, log: Log, offset: number): void {
    this.version++;
    this.results.drop(hash, log.number, offset);
    this.dead.add(recordId(log.number, offset));
    log.damaged = true;
  }

  private report(message: string): void {
    if (this.problems.length < 1000) this.problems.push(message);
    this.onProblem?.(message);
  }

  // --- writing -------------------------------------------------------------------------------

  private lockDirOf(hash: string): string {
    if (!/^[\w.-]+$/.test(hash) || hash === "." || hash === "..") throw new Error(`cannot lock ${JSON.stringify(hash)}: not a task hash`);
    return this.locksPrefix + hash + ".lock"; // path.join per task showed in profiles; locksDir is already normalized
  }

  /** Creates the store on first use for writing: marker file and directories. */
  private prepareForWriting(): void {
    if (this.closed) throw new Error(`store ${this.location} is closed`);
    if (this.prepared) return;
    this.asWriter(() => {
      fs.mkdirSync(this.location, { recursive: true });
      const marker = path.join(this.location, MARKER_FILE);
      if (fs.existsSync(marker)) checkLayout(this.location); // created by another process since open()
      else {
        const tmp = `${marker}.${process.pid}.${randomBytes(4).toString("hex")}`;
        fs.writeFileSync(tmp, JSON.stringify({ format: "jug-store", layout: STORE_LAYOUT_VERSION } satisfies StoreMarker) + "\n");
        fs.renameSync(tmp, marker);
      }
      for (const dir of [this.logsDir, this.locksDir, this.tmpDir, this.blobsDir]) fs.mkdirSync(dir, { recursive: true });
    });
    this.prepared = true;
  }

  /** This process's log, created at its first record (a process that only reads or locks leaves no log). */
  private ownLog(): OwnLog {
    if (this.own) return this.own;
    const name = `${this.host}-${process.pid}-${randomBytes(4).toString("hex")}.log`;
    const logPath = path.join(this.logsDir, name);
    const fd = this.asWriter(() => fs.openSync(logPath, "ax+"));
    this.own = { name, number: this.logNumber(name), path: logPath, fd, parsed: 0, written: 0, headsLoaded: 0, final: false, checkedAt: 0, events: [], damaged: false };
    this.logs.set(name, this.own);
    return this.own;
  }

  private asWriter<T>(op: () => T): T {
    try {
      return op();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "EACCES" || err.code === "EROFS" || err.code === "EPERM") {
        throw new StoreAccessError(this.location, `is not writable (${err.message})`);
      }
      throw e;
    }
  }

  /** Appends records to this process's log in one write, indexes them, and schedules the group fsync. */
  private append(records: Buffer[], deferredHash?: string): void {
    const own = this.ownLog();
    if (deferredHash !== undefined) {
      for (const record of records) {
        this.index(own, record.subarray(RECORD_HEADER_BYTES), own.parsed, record.length);
        this.pending.push({ record, offset: own.parsed, hash: deferredHash });
        own.parsed += record.length;
      }
    } else {
      this.flush(); // the deferred records come first
      writeFully(own.fd, records.length === 1 ? records[0]! : Buffer.concat(records), own.written);
      for (const record of records) {
        this.index(own, record.subarray(RECORD_HEADER_BYTES), own.parsed, record.length);
        own.parsed += record.length;
      }
      this.wrote(own);
    }
    this.changed();
  }

  /**
   * Writes the deferred records (a batch's results, see write()) to the log in one write(). Called
   * before a lock is released (so a result is in the log before its lock is let go), before any
   * other append, before this process reads its own log, and at close(). If the write fails, those
   * results are reported and forgotten: they count as not computed, and are computed again.
   */
  private flush(): void {
    const own = this.own;
    const pending = this.pending;
    if (!own || pending.length === 0) return;
    this.pending = [];
    try {
      writeFully(own.fd, pending.length === 1 ? pending[0]!.record : Buffer.concat(pending.map((p) => p.record)), own.written);
    } catch (e) {
      own.parsed = own.written;
      for (const p of pending) this.forget(p.hash, own, p.offset);
      this.report(`could not append ${pending.length} result(s) to ${own.path} (${(e as Error).message}); those tasks count as not computed`);
      throw e;
    }
    this.wrote(own);
  }

  /** Everything indexed is in the log now; the group fsync follows within FSYNC_DELAY_MS. */
  private wrote(own: OwnLog): void {
    own.written = own.parsed;
    own.fsyncTimer ??= setTimeout(() => {
      own.fsyncTimer = undefined;
      if (!this.closed) fs.fdatasync(own.fd, () => {});
    }, FSYNC_DELAY_MS).unref();
  }

  /** Writes a large result to tmp/, fsyncs it and renames it into blobs/: a reader never sees a partial blob. */
  private async writeBlob(hash: string, data: Uint8Array): Promise<string> {
    const unique = `${hash}.${randomBytes(6).toString("hex")}`;
    const tmp = path.join(this.tmpDir, unique);
    const relative = path.join("blobs", hash.slice(0, 2), unique);
    const handle = await fs.promises.open(tmp, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.mkdir(path.join(this.blobsDir, hash.slice(0, 2)), { recursive: true });
    await fs.promises.rename(tmp, path.join(this.location, relative));
    return relative;
  }

  /** Own writes wake this process's watchers at once (other processes see them through fs.watch). */
  private changed(): void {
    if (this.watchers.size > 0) setImmediate(() => this.watchers.forEach((w) => w()));
  }
}

/** A record's unique number: log number * 2^40 + byte offset (cheaper than a string for 100,000 records). */
function recordId(log: number, offset: number): number {
  return log * 2 ** 40 + offset;
}

/** logs/<name>.log -> logs/<name>.idx */
const SAVED_INDEX_SUFFIX = ".idx";
function savedIndexName(logName: string): string {
  return `${logName.slice(0, -".log".length)}${SAVED_INDEX_SUFFIX}`;
}

function writeFully(fd: number, bytes: Buffer, position: number): void {
  for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written, bytes.length - written, position + written);
}

function readFully(fd: number, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.length) {
    const n = fs.readSync(fd, into, got, into.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Refuses a store of another layout version, or a directory that is not a jug store. */
function checkLayout(dir: string): void {
  let entries: string[];
  try {
    if (!fs.statSync(dir).isDirectory()) throw new StoreLayoutError(dir, "it is not a directory");
    entries = fs.readdirSync(dir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") return; // created on first write
    if (err.code === "EACCES" || err.code === "EPERM") throw new StoreAccessError(dir, `cannot be read (${err.message})`);
    throw e;
  }
  if (!entries.includes(MARKER_FILE)) {
    // Empty, or another process is creating the store right now (its marker is still a temp file).
    if (entries.every((e) => e.startsWith(`${MARKER_FILE}.`))) return;
    throw new StoreLayoutError(dir, `the directory is not empty and has no ${MARKER_FILE}, so it is not a jug store (Python jug's, perhaps); choose another --jugdir or remove it`);
  }
  let marker: StoreMarker;
  try {
    marker = JSON.parse(fs.readFileSync(path.join(dir, MARKER_FILE), "utf8")) as StoreMarker;
  } catch (e) {
    throw new StoreLayoutError(dir, `${MARKER_FILE} is unreadable (${(e as Error).message})`);
  }
  if (marker.format !== "jug-store" || marker.layout !== STORE_LAYOUT_VERSION) {
    throw new StoreLayoutError(
      dir,
      `it was written with store layout ${JSON.stringify(marker.layout)}, and this jug reads layout ${STORE_LAYOUT_VERSION}; ` +
        `use the jug version that wrote it, or remove the directory to recompute`,
    );
  }
}
