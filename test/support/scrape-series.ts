// Real scrapes of a relay's /metrics as `promtool test rules` input series: each series of the relay's
// own families (outbox_relay_*, kafka_outbox_*; not the histogram, which no alert reads) carries on for
// the window at the pace the two scrapes measured: a gauge keeps its last value, a counter starts at its
// first value and grows each minute by what it grew between the scrapes, scaled to a minute. The scrape
// target's labels (namespace, pod) are added as Prometheus would.
export interface Scrape {
  at: number;
  text: string;
}

interface Sample {
  name: string;
  labels: string;
  value: number;
}

const OWN = /^(outbox_relay_|kafka_outbox_)/;

/** The samples and the family types of the Prometheus text format. */
export function parseScrape(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    samples.push({ name: sample[1]!, labels: sample[2] ?? '{}', value: Number(sample[3]) });
  }
  return { samples, types };
}

/** The input series of one relay over `minutes`, from two scrapes of it. */
export function inputSeries(
  first: Scrape,
  second: Scrape,
  target: { namespace: string; pod: string },
  minutes: number,
): Array<{ series: string; values: string }> {
  const before = parseScrape(first.text);
  const after = parseScrape(second.text);
  const earlier = new Map(before.samples.map((s) => [`${s.name}${s.labels}`, s.value]));
  const seconds = (second.at - first.at) / 1000;
  const targetLabels = `namespace="${target.namespace}",pod="${target.pod}"`;
  return after.samples
    .filter((s) => OWN.test(s.name) && after.types.get(s.name) !== 'histogram' && !s.name.endsWith('_bucket'))
    .filter((s) => after.types.has(s.name))
    .map((s) => {
      const inner = s.labels.slice(1, -1);
      const series = `${s.name}{${inner ? `${inner},` : ''}${targetLabels}}`;
      if (after.types.get(s.name) !== 'counter') return { series, values: `${s.value}x${minutes}` };
      const start = earlier.get(`${s.name}${s.labels}`) ?? 0;
      const perMinute = ((s.value - start) * 60) / seconds;
      return { series, values: `${start}+${Number(perMinute.toFixed(6))}x${minutes}` };
    });
}
