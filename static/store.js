// What the page keeps on the device, in IndexedDB: a person's labelled examples and
// the model learned from them (digitpad/personal.py says what a record holds). Nothing
// of it leaves the machine.
//
// Every failure is a StorageError whose `kind` says what happened: "denied" (private
// browsing, storage turned off, or a browser that keeps nothing), "full" (over the
// quota) or "failed".

const NAME = "digitpad";
const VERSION = 1;
const EXAMPLES = "examples";
const MODELS = "models";
const PERSONAL = "personal";

export class StorageError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

function storageError(error) {
  if (error instanceof StorageError) return error;
  const name = error?.name ?? "";
  if (name === "QuotaExceededError") return new StorageError("full", "this device's storage for the page is full");
  // Chromium says UnknownError where the person blocks sites' storage.
  if (["SecurityError", "InvalidStateError", "NotAllowedError", "UnknownError"].includes(name) || error instanceof ReferenceError) {
    return new StorageError("denied", "this browser keeps nothing for the page (private browsing, or storage turned off)");
  }
  return new StorageError("failed", `the browser's storage failed (${error?.message || name || error})`);
}

/** The page's store, opened; a StorageError when there is none to be had. */
export async function openStore() {
  let request;
  try {
    request = indexedDB.open(NAME, VERSION);
  } catch (error) {
    throw storageError(error);
  }
  const db = await new Promise((resolve, reject) => {
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(EXAMPLES)) db.createObjectStore(EXAMPLES, { keyPath: "id", autoIncrement: true });
      if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: "name" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageError(request.error));
    request.onblocked = () => reject(new StorageError("failed", "another tab holds an older version of the page's storage: close it"));
  });
  return new Store(db);
}

class Store {
  #db;

  constructor(db) {
    this.#db = db;
  }

  /** Every example, oldest first: [{ id, label, width, strokes, pixels, added }]. */
  examples() {
    return this.#run([EXAMPLES], "readonly", (tx) => tx.objectStore(EXAMPLES).getAll());
  }

  /** Keep these examples, all or none; resolves to their ids. */
  add(records) {
    return this.#run([EXAMPLES], "readwrite", (tx) => {
      const store = tx.objectStore(EXAMPLES);
      const ids = [];
      for (const record of records) {
        const { id, ...fields } = record;
        const request = store.add({ ...fields, pixels: new Uint8Array(fields.pixels), added: Date.now() });
        request.onsuccess = () => ids.push(request.result);
      }
      return { get result() { return ids; } };
    });
  }

  /** Delete the examples with these ids. */
  remove(ids) {
    return this.#run([EXAMPLES], "readwrite", (tx) => {
      for (const id of ids) tx.objectStore(EXAMPLES).delete(id);
    });
  }

  /** The learned model's record, or null: { name, version, weights, examples, made }. */
  personal() {
    return this.#run([MODELS], "readonly", (tx) => tx.objectStore(MODELS).get(PERSONAL)).then((r) => r ?? null);
  }

  /** Keep the learned model, replacing the one before. */
  keepPersonal(record) {
    return this.#run([MODELS], "readwrite", (tx) => {
      tx.objectStore(MODELS).put({ ...record, name: PERSONAL, made: Date.now() });
    });
  }

  /** Delete the learned model. */
  dropPersonal() {
    return this.#run([MODELS], "readwrite", (tx) => {
      tx.objectStore(MODELS).delete(PERSONAL);
    });
  }

  /** Delete every example and the learned model, in one step. */
  forget() {
    return this.#run([EXAMPLES, MODELS], "readwrite", (tx) => {
      tx.objectStore(EXAMPLES).clear();
      tx.objectStore(MODELS).clear();
    });
  }

  /** Run `work(tx)` in one transaction; resolves once it is committed, to the result of
   * the request `work` returned, if any. */
  #run(stores, mode, work) {
    return new Promise((resolve, reject) => {
      let tx;
      let request;
      try {
        tx = this.#db.transaction(stores, mode);
        request = work(tx);
      } catch (error) {
        tx?.abort();
        reject(storageError(error));
        return;
      }
      tx.oncomplete = () => resolve(request?.result);
      tx.onabort = tx.onerror = (event) => {
        event?.preventDefault?.();
        reject(storageError(tx.error ?? event?.target?.error));
      };
    });
  }
}
