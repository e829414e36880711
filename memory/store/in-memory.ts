import { AsyncLocalStorage } from "node:async_hooks";
import { ClosedError, InputError, ReadOnlyError, StateError } from "../../core/errors.js";
import { issueText } from "../../core/util/validate.js";
import { MemoryEntrySchema, type MemoryEntry } from "../types.js";
import { TopK } from "./search.js";
import {
  MEMORY_LOGS,
  VECTOR_INDEXES,
  type ArchiveRecord,
  type EmbedderInfo,
  type EntryIndexName,
  type EntryVectors,
  type MemoryLogName,
  type MemoryStore,
  type OpenStoreOptions,
  type ScoredId,
  type StatsDelta,
  type StoreBackend,
  type VectorIndexName,
} from "./types.js";
import { unitVector } from "./vectors.js";

const SCHEME = /^memory:\/\//i;

/** A live entry with its unit vectors. Never changed in place: a write replaces the row. */
interface Row {
  entry: MemoryEntry;
  task: Float32Array;
  facts: Float32Array;
}

/**
 * Everything a memory holds. Each write works on a shallow copy and publishes it whole, so a write
 * that throws halfway leaves nothing behind; shallow is enough because rows, entries, records and
 * vectors are never changed in place.
 */
interface State {
  embedder: EmbedderInfo;
  /** Map order is add order; a restore inserts the id anew, which puts it last. */
  live: Map<string, Row>;
  /** Fact value text to unit vector, for the texts the live entries use. */
  values: Map<string, Float32Array>;
  /** Every retirement, oldest first. */
  archive: ArchiveRecord[];
  logs: Record<MemoryLogName, unknown[]>;
}

/** A memory's state and its writers' queue, shared by every handle opened on it. */
class Memory {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(public state: State) {}

  /**
   * Runs writers one at a time. A transaction holds its place until `fn` settles, which is what
   * makes it isolated from the other writers and `lock` unnecessary.
   */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

interface Txn {
  owner: InMemoryStore;
  state: State;
  active: boolean;
}

/** The transaction handle whose `fn` is running, so a write through another handle is refused rather than left waiting forever. */
const runningTransaction = new AsyncLocalStorage<InMemoryStore>();

const registry = new Map<string, Memory>();

/**
 * The reference implementation of the storage contract, held in this process: exact cosine
 * search, copies in and out. `memory://NAME` names a memory kept in a process-wide registry, so
 * opening the name again (a second handle, or after `close`) finds the same data until
 * `InMemoryStore.drop(NAME)`; `memory://` alone is a fresh memory no one else can open.
 */
export class InMemoryStore implements MemoryStore {
  readonly kind = "in-memory";
  readonly shared = false;

  private closed = false;

  private constructor(
    readonly location: string,
    private memory: Memory,
    /** The embedder this handle queries with: the memory is stale for it while it holds another's vectors. */
    private expected: EmbedderInfo,
    readonly readOnly: boolean,
    private readonly txn?: Txn,
  ) {}

  static async open(location: string, options: OpenStoreOptions): Promise<InMemoryStore> {
    if (!SCHEME.test(location)) throw new InputError("not an in-memory location (expected memory://NAME)", { file: location });
    checkEmbedder(options.embedder);
    const name = location.replace(SCHEME, "");
    const readOnly = options.readOnly ?? false;
    let memory = name ? registry.get(name) : undefined;
    if (!memory) {
      if (readOnly || options.create === false) throw new InputError("no memory here; build one first", { file: location });
      memory = new Memory(emptyState(options.embedder));
      if (name) registry.set(name, memory);
    }
    return new InMemoryStore(location, memory, expectedOf(options.embedder), readOnly);
  }

  /** The embedder a named memory was indexed with, or undefined when there is no such memory. */
  static peek(location: string): EmbedderInfo | undefined {
    const memory = SCHEME.test(location) ? registry.get(location.replace(SCHEME, "")) : undefined;
    return memory && json(memory.state.embedder);
  }

  /** Forgets a named memory (a name, or its `memory://` location); handles still open keep their data. Returns whether it existed. */
  static drop(name: string): boolean {
    return registry.delete(name.replace(SCHEME, ""));
  }

  get embedder(): EmbedderInfo {
    return json(this.state.embedder);
  }

  get staleReason(): string | undefined {
    return staleness(this.state.embedder, this.expected);
  }

  async size(): Promise<number> {
    return this.read().live.size;
  }

  async get(id: string): Promise<MemoryEntry | undefined> {
    const row = this.read().live.get(id);
    return row && json(row.entry);
  }

  async getMany(ids: readonly string[]): Promise<MemoryEntry[]> {
    const live = this.read().live;
    const found: MemoryEntry[] = [];
    for (const id of new Set(ids)) {
      const row = live.get(id);
      if (row) found.push(row.entry);
    }
    return json(found);
  }

  async has(id: string): Promise<boolean> {
    return this.read().live.has(id);
  }

  async list(): Promise<MemoryEntry[]> {
    return json([...this.read().live.values()].map((r) => r.entry));
  }

  async add(entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void> {
    await this.write((s) => {
      this.assertFresh(s);
      if (entries.length !== vectors.length) throw new RangeError(`add: ${entries.length} entries but ${vectors.length} vectors`);
      const batch = new Set<string>();
      entries.forEach((e, i) => {
        const entry = validEntry(e, this.location);
        if (batch.has(entry.id)) throw new InputError(`the entry id ${entry.id} is added twice`, { file: this.location, field: "id" });
        if (s.live.has(entry.id)) throw new InputError(`an entry with id ${entry.id} already exists`, { file: this.location, field: "id" });
        batch.add(entry.id);
        s.live.set(entry.id, rowOf(entry, vectors[i]!, s));
      });
    });
  }

  async update(entry: MemoryEntry, vectors?: EntryVectors): Promise<{ previous: MemoryEntry; current: MemoryEntry }> {
    return this.write((s) => {
      const stored = this.liveRow(s, entry.id);
      const current = validEntry({ ...entry, version: (stored.entry.version ?? 1) + 1 }, this.location);
      let row: Row = { ...stored, entry: current };
      if (vectors) {
        this.assertFresh(s);
        row = rowOf(current, vectors, s);
      } else {
        requireValueVectors(current, s);
      }
      s.live.set(current.id, row);
      return json({ previous: stored.entry, current });
    });
  }

  async incrementStats(deltas: StatsDelta[]): Promise<void> {
    await this.write((s) => {
      for (const d of deltas) {
        const row = this.liveRow(s, d.id);
        const stats = { hits: row.entry.stats.hits + d.hits, successes: row.entry.stats.successes + d.successes };
        if (!Number.isInteger(d.hits) || !Number.isInteger(d.successes) || stats.hits < 0 || stats.successes < 0) {
          throw new InputError(`stats of ${d.id} would become ${stats.hits} hits and ${stats.successes} successes; counts are whole and non-negative`, { file: this.location, field: "stats" });
        }
        s.live.set(d.id, { ...row, entry: { ...row.entry, stats } });
      }
    });
  }

  async retire(items: Array<{ id: string; reason: string }>): Promise<ArchiveRecord[]> {
    return this.write((s) => {
      const retiredAt = new Date().toISOString();
      const records = items.map(({ id, reason }) => {
        const row = this.liveRow(s, id);
        s.live.delete(id);
        return { entry: row.entry, reason, retiredAt };
      });
      for (const r of records) s.archive.push(r);
      return json(records);
    });
  }

  async archived(): Promise<ArchiveRecord[]> {
    const s = this.read();
    const latest = new Map<string, ArchiveRecord>();
    for (const r of s.archive) {
      // Deleting first moves a retired-again id to the end: the list is ordered by latest retirement.
      latest.delete(r.entry.id);
      latest.set(r.entry.id, r);
    }
    return json([...latest.values()].filter((r) => !s.live.has(r.entry.id)));
  }

  async delete(ids: string[]): Promise<number> {
    return this.write((s) => {
      let removed = 0;
      for (const id of new Set(ids)) if (s.live.delete(id)) removed++;
      return removed;
    });
  }

  async reindex(embedder: EmbedderInfo, vectors: EntryVectors[]): Promise<void> {
    checkEmbedder(embedder);
    if (this.readOnly) {
      // As the local backend does: a reader re-embeds for its own searches only, so that it can
      // query with another embedder. It leaves the shared memory, and sees no later writes to it.
      this.read();
      const own = copyState(this.memory.state);
      reindexInto(own, embedder, vectors);
      this.memory = new Memory(own);
    } else {
      await this.write((s) => reindexInto(s, embedder, vectors));
    }
    this.expected = expectedOf(embedder);
  }

  async vectorOf(id: string, index: EntryIndexName): Promise<Float32Array | undefined> {
    const s = this.fresh();
    if (index !== "task" && index !== "facts") throw new RangeError(`vectorOf: no entry index "${String(index)}" (expected task or facts)`);
    return s.live.get(id)?.[index].slice();
  }

  async search(index: VectorIndexName, query: Float32Array, k: number): Promise<ScoredId[]> {
    const s = this.fresh();
    if (!VECTOR_INDEXES.includes(index)) throw new RangeError(`search: no index "${String(index)}" (expected ${VECTOR_INDEXES.join(", ")})`);
    checkDimension(query, s.embedder.dimension, "search query");
    if (!(k > 0)) return [];
    const items = index === "factValues" ? liveValues(s) : [...s.live].map(([id, row]) => [id, row[index]] as const);
    const q = unitVector(query);
    const top = new TopK(Math.floor(k));
    items.forEach(([, v], i) => top.offer(i, dot(q, v)));
    return top.sorted().map((h) => ({ id: items[h.row]![0], score: h.score }));
  }

  async appendLog(log: MemoryLogName, records: object[]): Promise<void> {
    checkLog(log);
    const copies = records.map((r) => {
      if (typeof r !== "object" || r === null || Array.isArray(r)) throw new TypeError(`appendLog: a ${log} record must be a JSON object`);
      return json(r);
    });
    await this.write((s) => {
      for (const r of copies) s.logs[log].push(r);
    });
  }

  async readLog(log: MemoryLogName): Promise<unknown[]> {
    checkLog(log);
    return json(this.read().logs[log]);
  }

  async transaction<T>(fn: (tx: MemoryStore) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.txn) return fn(this);
    if (this.readOnly) throw new ReadOnlyError(this.location);
    const running = this.runningHere();
    if (running) {
      if (running.txn!.owner === this) return fn(running);
      throw this.waitForever();
    }
    return this.memory.exclusive(async () => {
      const txn: Txn = { owner: this, state: this.memory.state, active: true };
      const tx = new InMemoryStore(this.location, this.memory, this.expected, false, txn);
      try {
        const result = await runningTransaction.run(tx, () => fn(tx));
        this.memory.state = txn.state;
        this.expected = tx.expected;
        return result;
      } finally {
        txn.active = false;
      }
    });
  }

  /** A no-op: writers already take turns, a whole transaction at a time. */
  async lock(_ids: readonly string[]): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private get state(): State {
    return this.txn ? this.txn.state : this.memory.state;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(this.location);
    if (this.txn && !this.txn.active) throw new ClosedError(this.location, "this transaction has ended");
  }

  private read(): State {
    this.assertOpen();
    return this.state;
  }

  private fresh(): State {
    const s = this.read();
    this.assertFresh(s);
    return s;
  }

  private assertFresh(s: State): void {
    const why = staleness(s.embedder, this.expected);
    if (why) throw new StateError(`${this.location}: the stored vectors are stale (${why}); reindex first`);
  }

  private liveRow(s: State, id: string): Row {
    const row = s.live.get(id);
    if (!row) throw new InputError(`no live entry with id ${id}`, { file: this.location, field: "id" });
    return row;
  }

  /** Applies `op` to a copy of the state and publishes the copy only if `op` returns. */
  private async write<T>(op: (s: State) => T): Promise<T> {
    this.assertOpen();
    if (this.readOnly) throw new ReadOnlyError(this.location);
    if (this.txn) return publish(this.txn, op);
    if (this.runningHere()) throw this.waitForever();
    return this.memory.exclusive(() => publish(this.memory, op));
  }

  /** The transaction of this memory whose `fn` the caller is running in, if any. */
  private runningHere(): InMemoryStore | undefined {
    const tx = runningTransaction.getStore();
    return tx?.txn?.active && tx.memory === this.memory ? tx : undefined;
  }

  private waitForever(): StateError {
    return new StateError(`${this.location}: inside a transaction, write through its \`tx\` handle (this write would wait for the transaction to end, which waits for it)`);
  }
}

export const inMemoryBackend: StoreBackend = {
  kind: "in-memory",
  handles: (location) => SCHEME.test(location),
  open: (location, options) => InMemoryStore.open(location, options),
  peek: async (location) => InMemoryStore.peek(location),
};

function publish<T>(holder: { state: State }, op: (s: State) => T): T {
  const next = copyState(holder.state);
  const result = op(next);
  pruneValues(next);
  holder.state = next;
  return result;
}

function emptyState(embedder: EmbedderInfo): State {
  return { embedder: json(embedder), live: new Map(), values: new Map(), archive: [], logs: { history: [], updates: [] } };
}

function copyState(s: State): State {
  return {
    embedder: s.embedder,
    live: new Map(s.live),
    values: new Map(s.values),
    archive: [...s.archive],
    logs: { history: [...s.logs.history], updates: [...s.logs.updates] },
  };
}

function reindexInto(s: State, embedder: EmbedderInfo, vectors: EntryVectors[]): void {
  if (vectors.length !== s.live.size) throw new RangeError(`reindex: ${s.live.size} entries but ${vectors.length} vectors`);
  const rows = [...s.live.values()];
  s.embedder = json(embedder);
  s.values = new Map();
  s.live = new Map(rows.map((row, i) => [row.entry.id, rowOf(row.entry, vectors[i]!, s)]));
}

/** Records the entry's vectors in `s` (its fact values' among them) and returns its row. */
function rowOf(entry: MemoryEntry, v: EntryVectors, s: State): Row {
  const d = s.embedder.dimension;
  for (const [text, vec] of v.factValues) s.values.set(text, unitVector(checkDimension(vec, d, `the vector of fact value "${text}"`)));
  requireValueVectors(entry, s);
  return { entry, task: unitVector(checkDimension(v.task, d, `the task vector of ${entry.id}`)), facts: unitVector(checkDimension(v.facts, d, `the facts vector of ${entry.id}`)) };
}

function requireValueVectors(entry: MemoryEntry, s: State): void {
  for (const text of Object.values(entry.facts ?? {})) {
    if (!s.values.has(text)) throw new RangeError(`entry ${entry.id}: no vector for its fact value "${text}" (pass its vectors when its keys change)`);
  }
}

function pruneValues(s: State): void {
  const used = new Set<string>();
  for (const { entry } of s.live.values()) for (const text of Object.values(entry.facts ?? {})) used.add(text);
  for (const text of s.values.keys()) if (!used.has(text)) s.values.delete(text);
}

/** The distinct fact value texts of the live entries with their vectors, in order of first appearance along `list()`. */
function liveValues(s: State): Array<readonly [string, Float32Array]> {
  const seen = new Map<string, Float32Array>();
  for (const { entry } of s.live.values()) {
    for (const text of Object.values(entry.facts ?? {})) if (!seen.has(text)) seen.set(text, s.values.get(text)!);
  }
  return [...seen];
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function staleness(stored: EmbedderInfo, expected: EmbedderInfo): string | undefined {
  if (stored.id === expected.id && stored.dimension === expected.dimension) return undefined;
  return `the memory was indexed with embedder ${stored.id} (${stored.dimension}-d), not ${expected.id} (${expected.dimension}-d)`;
}

function expectedOf(embedder: EmbedderInfo): EmbedderInfo {
  return { id: embedder.id, dimension: embedder.dimension };
}

function checkEmbedder(embedder: EmbedderInfo): void {
  if (!Number.isInteger(embedder.dimension) || embedder.dimension <= 0) {
    throw new RangeError(`embedder ${embedder.id}: the dimension must be a positive integer, not ${embedder.dimension}`);
  }
}

function checkDimension(v: Float32Array, d: number, what: string): Float32Array {
  if (v.length !== d) throw new RangeError(`${what} has ${v.length} dimensions, not ${d}`);
  return v;
}

function checkLog(log: MemoryLogName): void {
  if (!MEMORY_LOGS.includes(log)) throw new RangeError(`no log "${String(log)}" (expected ${MEMORY_LOGS.join(", ")})`);
}

function validEntry(entry: MemoryEntry, location: string): MemoryEntry {
  const parsed = MemoryEntrySchema.safeParse(entry);
  if (!parsed.success) throw new InputError(`entry ${String(entry?.id)}: ${issueText(parsed.error.issues[0]!)}`, { file: location, field: "entry" });
  // A JSON copy, as a store on disk keeps it: later changes to the caller's object do not reach it.
  return json(entry);
}

function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
