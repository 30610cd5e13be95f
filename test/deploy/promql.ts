// A small PromQL parser: enough to reject a syntax error in our alert rules and dashboard queries, and to
// list the metrics, functions and grouping labels they use. No promtool here, so this stands in for
// `promtool check rules`' syntax check (it does not evaluate anything).

export interface QueryFacts {
  metrics: Set<string>;
  functions: Set<string>;
  /** Labels named in by/without/on/ignoring and in selectors. */
  labels: Set<string>;
}

type Token = { kind: 'ident' | 'number' | 'string' | 'duration' | 'op' | 'punct'; text: string; at: number };

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
export const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'ln',
  'log2',
  'log10',
  'minute',
  'month',
  'predict_linear',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'time',
  'timestamp',
  'vector',
  'year',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'last_over_time',
  'present_over_time',
]);
const BINARY = [
  '==',
  '!=',
  '>=',
  '<=',
  '>',
  '<',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  'and',
  'or',
  'unless',
  'atan2',
];
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>=': 3,
  '<=': 3,
  '>': 3,
  '<': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s+|#[^\n]*|(?<duration>\d+(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*)|(?<number>\d+(?:\.\d+)?(?:e[+-]?\d+)?|0x[0-9a-f]+|Inf|NaN)|(?<ident>[A-Za-z_:][A-Za-z0-9_:]*)|(?<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|(?<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=])|(?<punct>[(){}[\],:])/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`unexpected character ${JSON.stringify(text[at])} at ${at}`);
    const kind = Object.entries(m.groups ?? {}).find(([, v]) => v !== undefined)?.[0];
    if (kind) tokens.push({ kind: kind as Token['kind'], text: m[0], at });
    at = re.lastIndex;
  }
  return tokens;
}

class Parser {
  private i = 0;
  readonly facts: QueryFacts = { metrics: new Set(), functions: new Set(), labels: new Set() };

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new Error('unexpected end of query');
    return t;
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new Error(`expected ${text} at ${t.at}, found ${t.text}`);
  }

  private accept(text: string): boolean {
    if (this.peek()?.text === text) {
      this.i++;
      return true;
    }
    return false;
  }

  parse(): void {
    this.expression(0);
    const rest = this.peek();
    if (rest) throw new Error(`unexpected ${rest.text} at ${rest.at}`);
  }

  private labelList(): void {
    this.expect('(');
    while (!this.accept(')')) {
      const t = this.next();
      if (t.kind !== 'ident') throw new Error(`expected a label name at ${t.at}, found ${t.text}`);
      this.facts.labels.add(t.text);
      if (this.peek()?.text !== ')') this.expect(',');
    }
  }

  private expression(minPrecedence: number): void {
    this.unary();
    for (;;) {
      const op = this.peek();
      if (!op || !BINARY.includes(op.text)) return;
      const precedence = PRECEDENCE[op.text] as number;
      if (precedence < minPrecedence) return;
      this.i++;
      this.accept('bool');
      for (const modifier of ['on', 'ignoring']) if (this.accept(modifier)) this.labelList();
      for (const group of ['group_left', 'group_right']) {
        if (this.accept(group) && this.peek()?.text === '(') this.labelList();
      }
      // ^ is right-associative, the others left-associative.
      this.expression(op.text === '^' ? precedence : precedence + 1);
    }
  }

  private unary(): void {
    if (this.accept('-') || this.accept('+')) return this.unary();
    this.postfix();
  }

  private postfix(): void {
    this.primary();
    if (this.accept('[')) {
      const range = this.next();
      if (range.kind !== 'duration')
        throw new Error(`expected a duration at ${range.at}, found ${range.text}`);
      if (this.accept(':') && this.peek()?.kind === 'duration') this.next();
      this.expect(']');
    }
    if (this.accept('offset')) {
      this.accept('-');
      if (this.next().kind !== 'duration') throw new Error('expected a duration after offset');
    }
  }

  private primary(): void {
    const t = this.next();
    if (t.text === '(') {
      this.expression(0);
      this.expect(')');
      return;
    }
    if (t.kind === 'number' || t.kind === 'string') return;
    if (t.kind === 'punct' && t.text === '{') {
      this.i--;
      return this.selector(undefined);
    }
    if (t.kind !== 'ident') throw new Error(`unexpected ${t.text} at ${t.at}`);
    if (AGGREGATIONS.has(t.text)) return this.aggregation(t.text);
    if (this.peek()?.text === '(') {
      if (!FUNCTIONS.has(t.text)) throw new Error(`unknown function ${t.text}`);
      this.facts.functions.add(t.text);
      this.arguments();
      return;
    }
    this.selector(t.text);
  }

  private aggregation(name: string): void {
    this.facts.functions.add(name);
    const grouping = () => {
      if (this.accept('by') || this.accept('without')) this.labelList();
    };
    grouping();
    this.arguments();
    grouping();
  }

  private arguments(): void {
    this.expect('(');
    while (!this.accept(')')) {
      this.expression(0);
      if (this.peek()?.text !== ')') this.expect(',');
    }
  }

  private selector(metric: string | undefined): void {
    if (metric !== undefined) this.facts.metrics.add(metric);
    if (!this.accept('{')) return;
    while (!this.accept('}')) {
      const label = this.next();
      if (label.kind !== 'ident') throw new Error(`expected a label name at ${label.at}`);
      const op = this.next();
      if (!['=', '!=', '=~', '!~'].includes(op.text)) throw new Error(`expected a matcher at ${op.at}`);
      if (this.next().kind !== 'string') throw new Error(`expected a string after ${label.text}${op.text}`);
      this.facts.labels.add(label.text);
      if (this.peek()?.text !== '}') this.expect(',');
    }
  }
}

/** Parses a PromQL expression; throws on a syntax error. Grafana's $__rate_interval and $var are allowed. */
export function parsePromQL(query: string): QueryFacts {
  const grafanaFree = query.replace(/\$__\w+/g, '5m').replace(/\$\{?\w+\}?/g, 'var');
  const parser = new Parser(tokenize(grafanaFree));
  parser.parse();
  return parser.facts;
}
