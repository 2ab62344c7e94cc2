/** A system error's message with its code first, once (Node's already starts with it: "ENOSPC: no space left on device, write"). */
export function systemMessage(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.startsWith(`${err.code}:`) ? `${err.code}: ${err.message}` : err.message;
}

/** `err`, a system error of a call on a file descriptor (write, fsync: they name no file), given the `path` it was for. */
export function withPath(err: unknown, path: string): unknown {
  const sys = err as NodeJS.ErrnoException;
  if (sys && typeof sys === 'object' && sys.code && sys.syscall && !sys.path) sys.path = path;
  return err;
}
