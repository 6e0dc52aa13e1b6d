/**
 * Tells whether the process that owns a run is still the one alive under its pid. A pid alone is
 * not enough: after a crash and a reboot (or just enough process churn) the same number belongs to
 * an unrelated process, so each owner also records a token for its process start.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ProcessOwner } from './types.ts';

function linuxStartToken(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    // Field 22, starttime, is the 20th after it; it is in clock ticks since boot, so the boot id
    // makes it unique across reboots.
    const starttime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (!starttime) return null;
    return `${bootId()}:${starttime}`;
  } catch {
    return null;
  }
}

let cachedBootId: string | undefined;
function bootId(): string {
  if (cachedBootId === undefined) {
    try { cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { cachedBootId = ''; }
  }
  return cachedBootId;
}

function psStartToken(pid: number): string | null {
  try {
    // BSD and macOS ps: the full start time, to the second; empty output when the pid is gone.
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() || null;
  } catch {
    return null;
  }
}

/**
 * An identifier of the current start of process `pid`, or null when the process does not exist or
 * the platform offers no cheap way to tell (Windows: liveness then rests on the pid alone).
 */
export function processStartToken(pid: number): string | null {
  if (process.platform === 'linux') return linuxStartToken(pid);
  if (process.platform === 'win32') return null;
  return psStartToken(pid);
}

let self: ProcessOwner | undefined;
export function currentProcess(): ProcessOwner {
  self ??= { host: hostname(), pid: process.pid, startToken: processStartToken(process.pid) };
  return self;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `owner` is still running. The host name is not compared: SQLite's WAL mode only works
 * when every process sharing the file runs on one machine, and a laptop's host name can change
 * with its network. Only when no start token exists (Windows) does a different host settle it:
 * that process cannot be sharing this file now, so it is gone.
 */
export function isOwnerAlive(owner: ProcessOwner, here: ProcessOwner = currentProcess()): boolean {
  if (owner.pid === here.pid && owner.startToken === here.startToken && owner.host === here.host) return true;
  if (!pidExists(owner.pid)) return false;
  if (owner.startToken === null) return owner.host === here.host;
  return processStartToken(owner.pid) === owner.startToken;
}
