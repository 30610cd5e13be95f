// Turns a rendered container's env list into the environment a kubelet would give the process: plain
// values as they are, secretKeyRef values read from the Secret. Used by the demo to run the relay exactly
// as the operator rendered it, outside a cluster (resolve-files.ts adds the Secret volumes' files).
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export type SecretData = Record<string, Record<string, string>>;

/** `secrets` maps a Secret's name to its decoded data. */
export function resolveEnv(
  env: EnvVar[],
  secrets: SecretData,
  fields: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    if (e.value !== undefined) {
      out[e.name] = e.value;
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const value = secrets[ref.name]?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new Error(`env ${e.name}: Secret ${ref.name} has no key ${ref.key}`);
      }
      out[e.name] = value;
      continue;
    }
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field !== undefined) {
      const value = fields[field];
      if (value === undefined) throw new Error(`env ${e.name}: no value for field ${field}`);
      out[e.name] = value;
      continue;
    }
    if (e.valueFrom)
      throw new Error(`env ${e.name}: unsupported source ${Object.keys(e.valueFrom).join(', ')}`);
    out[e.name] = '';
  }
  return out;
}

/** Decodes a Secret's base64 `data` into text. */
export function decodeSecretData(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}
