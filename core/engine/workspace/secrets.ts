/**
 * Where secrets live, apart from the config file (DESIGN.md, "Security"). The desktop app will
 * implement SecretStore with Electron safeStorage; headless, secrets come from a 0600 file or
 * from environment variables, usually chained (environment first, then the file).
 * Nothing here logs a secret or puts one in an error message.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SECRET_NAMES } from './config.ts';

export interface SecretStore {
  /** For messages: "the secret file /home/u/.config/floe/secrets.json", "environment variables". */
  readonly description: string;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** The names of the secrets it holds (never the values). */
  list(): Promise<string[]>;
}

export class SecretStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

/** FLOE_SECRET_S3_SECRET_ACCESS_KEY for "s3.secretAccessKey": the variable the environment store reads. */
export function secretEnvVar(name: string): string {
  return `FLOE_SECRET_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}

/**
 * The standard variables that already hold some of Floe's secrets, read when the FLOE_SECRET_*
 * one is absent, so a shell set up for psql or the AWS CLI works as is.
 */
const STANDARD_VARIABLES: Record<string, string> = {
  [SECRET_NAMES.postgresPassword]: 'PGPASSWORD',
  [SECRET_NAMES.s3SecretAccessKey]: 'AWS_SECRET_ACCESS_KEY',
  [SECRET_NAMES.s3SessionToken]: 'AWS_SESSION_TOKEN',
};

/** Read-only: secrets given to a headless server or CI job in its environment. */
export class EnvSecretStore implements SecretStore {
  readonly description = 'environment variables (FLOE_SECRET_*)';

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly options: { standardVariables?: boolean } = {},
  ) {}

  async get(name: string): Promise<string | undefined> {
    const own = this.env[secretEnvVar(name)];
    if (own) return own;
    const standard = this.options.standardVariables === false ? undefined : STANDARD_VARIABLES[name];
    return standard ? this.env[standard] || undefined : undefined;
  }

  async set(name: string): Promise<void> {
    throw new SecretStoreError(`Secrets in environment variables cannot be changed from Floe: set ${secretEnvVar(name)} in the environment Floe starts in.`);
  }

  async delete(name: string): Promise<void> {
    throw new SecretStoreError(`Secrets in environment variables cannot be removed from Floe: unset ${secretEnvVar(name)} in the environment Floe starts in.`);
  }

  async list(): Promise<string[]> {
    const known = Object.values(SECRET_NAMES) as string[];
    const present = await Promise.all(known.map(async (name) => ((await this.get(name)) !== undefined ? name : undefined)));
    return present.filter((n): n is string => n !== undefined);
  }
}

interface SecretFile {
  version: 1;
  secrets: Record<string, string>;
}

/**
 * A JSON file only its owner can read (mode 0600), as ssh keys and ~/.pgpass are kept. A file
 * anyone else can read is refused rather than used: its secrets may already have leaked, and
 * using it would hide that.
 */
export class FileSecretStore implements SecretStore {
  readonly description: string;

  constructor(readonly path: string) {
    this.description = `the secret file ${path}`;
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.read()).secrets[name];
  }

  async set(name: string, value: string): Promise<void> {
    if (!name) throw new SecretStoreError('A secret needs a name');
    const file = await this.read();
    file.secrets[name] = value;
    await this.write(file);
  }

  async delete(name: string): Promise<void> {
    const file = await this.read();
    if (!(name in file.secrets)) return;
    delete file.secrets[name];
    await this.write(file);
  }

  async list(): Promise<string[]> {
    return Object.keys((await this.read()).secrets).sort();
  }

  private async read(): Promise<SecretFile> {
    let info;
    try {
      info = await stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
      throw new SecretStoreError(`Cannot read the secret file ${this.path}: ${(err as Error).message}`);
    }
    // Windows has no Unix modes; there the file lives in the user's profile, guarded by its ACL.
    if (process.platform !== 'win32') {
      const loose = info.mode & 0o077;
      if (loose !== 0) {
        throw new SecretStoreError(
          `The secret file ${this.path} can be read by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}), so Floe will not use it. ` +
          `Run "chmod 600 ${this.path}" and, since others could read them, consider changing the passwords and keys it holds.`);
      }
      const uid = process.getuid?.();
      if (uid !== undefined && info.uid !== uid) {
        throw new SecretStoreError(`The secret file ${this.path} belongs to another user (uid ${info.uid}), so Floe will not use it: run "chown ${uid} ${this.path}" or point Floe at your own file.`);
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8'));
    } catch (err) {
      // The parser's message can quote the file's text, which is secrets: keep only what kind of error it was.
      const kind = err instanceof SyntaxError ? 'it is not valid JSON' : (err as NodeJS.ErrnoException).code ?? 'read error';
      throw new SecretStoreError(`Cannot read the secret file ${this.path}: ${kind}. Fix or remove it, then enter the secrets again.`);
    }
    const secrets = (parsed as Partial<SecretFile> | null)?.secrets;
    if (!secrets || typeof secrets !== 'object' || Object.values(secrets).some((v) => typeof v !== 'string')) {
      throw new SecretStoreError(`The secret file ${this.path} is not a Floe secret file ({"version": 1, "secrets": {"name": "value"}}): fix or remove it.`);
    }
    return { version: 1, secrets: { ...secrets } };
  }

  private async write(file: SecretFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  }
}

/**
 * Several stores as one: reads take the first store that has the secret (put the environment
 * first so a deployment can override), writes go to the first store that accepts them.
 */
export class ChainSecretStore implements SecretStore {
  readonly description: string;

  constructor(private readonly stores: SecretStore[]) {
    if (stores.length === 0) throw new SecretStoreError('A secret store chain needs at least one store');
    this.description = stores.map((s) => s.description).join(', then ');
  }

  async get(name: string): Promise<string | undefined> {
    for (const store of this.stores) {
      const value = await store.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  async set(name: string, value: string): Promise<void> {
    const refusals: string[] = [];
    for (const store of this.stores) {
      try {
        await store.set(name, value);
        return;
      } catch (err) {
        if (!(err instanceof SecretStoreError)) throw err;
        refusals.push(err.message);
      }
    }
    throw new SecretStoreError(`No secret store accepted "${name}": ${refusals.join(' ')}`);
  }

  async delete(name: string): Promise<void> {
    for (const store of this.stores) {
      await store.delete(name).catch((err: unknown) => {
        // A read-only store (the environment) cannot forget a secret; the others still must.
        if (!(err instanceof SecretStoreError)) throw err;
      });
    }
  }

  async list(): Promise<string[]> {
    const names = new Set<string>();
    for (const store of this.stores) for (const name of await store.list()) names.add(name);
    return [...names].sort();
  }
}

/** In memory: for tests and for a session that must not write anything to disk. */
export class MemorySecretStore implements SecretStore {
  readonly description = 'memory';
  private readonly values = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.values.set(k, v);
  }

  async get(name: string) { return this.values.get(name); }
  async set(name: string, value: string) { this.values.set(name, value); }
  async delete(name: string) { this.values.delete(name); }
  async list() { return [...this.values.keys()].sort(); }
}

/**
 * Writes `text` to a temporary file beside `path` (created with `mode`, so it is never readable
 * by others even for a moment), flushes it, and renames it over `path`: a reader sees the old
 * file or the new one, never half of one, and a crash leaves the old file in place.
 */
export async function writeFileAtomically(path: string, text: string, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    // The umask may have narrowed the mode at creation, never widened it; make it exact.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
