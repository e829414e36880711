/**
 * Whether a process of this machine is alive: signal 0 checks existence without touching it; a
 * process we may not signal (EPERM) is alive too.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
