// The container's termination message: Kubernetes reads /dev/termination-log when the container exits and
// shows it as the reason (kubectl describe pod, status.containerStatuses[].lastState.terminated.message),
// where the operator can read it too. Outside Kubernetes the file does not exist and nothing is written.
import { existsSync, writeFileSync } from 'node:fs';

export const TERMINATION_LOG = '/dev/termination-log';

export function writeTerminationMessage(text: string, file = TERMINATION_LOG): boolean {
  if (!existsSync(file)) return false;
  try {
    // Kubernetes keeps at most 4096 bytes of it.
    writeFileSync(file, text.slice(0, 4000));
    return true;
  } catch {
    return false;
  }
}
