// The extractor of the doc tests on Markdown of its own: languages, lines, indented blocks in list items,
// markers (the blank line prettier adds between marker and fence included) and the errors it names.
import { markdownBlocks, parseMarker } from './blocks.js';

const markdown = [
  '# Title', // 1
  '', // 2
  '```sh', // 3
  'echo one', // 4
  '```', // 5
  '', // 6
  '<!-- doc-test: not runnable here: needs a cloud', // 7
  'load balancer -->', // 8
  '', // 9
  '```yaml', // 10
  'kind: Service', // 11
  '```', // 12
  '', // 13
  '- a step:', // 14
  '', // 15
  '  <!-- doc-test: postgres, mysql; setup: config/samples/minimal.yaml -->', // 16
  '  ```sql', // 17
  '  SELECT 1;', // 18
  '    -- indented more', // 19
  '  ```', // 20
  '', // 21
  '````', // 22
  '```', // 23
  '````', // 24
].join('\n');

describe('markdownBlocks', () => {
  const blocks = markdownBlocks(markdown, 'doc.md');

  it('returns each fenced block with its language, the line of its fence and its text', () => {
    expect(blocks.map((b) => [b.line, b.lang, b.body])).toEqual([
      [3, 'sh', 'echo one\n'],
      [10, 'yaml', 'kind: Service\n'],
      [17, 'sql', 'SELECT 1;\n  -- indented more\n'],
      [22, '', '```\n'],
    ]);
  });

  it('reads the marker on the last non-blank line before a fence, over several lines too', () => {
    expect(blocks.map((b) => b.marker)).toEqual([
      {},
      { notRunnable: 'needs a cloud load balancer' },
      { databases: ['postgres', 'mysql'], setup: ['config/samples/minimal.yaml'] },
      {},
    ]);
  });

  it('takes no marker from before a paragraph between it and the fence', () => {
    const text = '<!-- doc-test: postgres -->\nSome words.\n\n```\nout\n```\n';
    expect(markdownBlocks(text, 'doc.md')[0]!.marker).toEqual({});
  });

  it('names the file and line of a fence that is never closed', () => {
    expect(() => markdownBlocks('text\n```sh\necho\n', 'doc.md')).toThrow(
      'doc.md:2: the fence is never closed',
    );
  });
});

describe('parseMarker', () => {
  it('reads the databases and setups', () => {
    expect(parseMarker('mysql; setup: a.yaml; setup: b.yaml', 'd:1')).toEqual({
      databases: ['mysql'],
      setup: ['a.yaml', 'b.yaml'],
    });
  });

  it('keeps a reason whole, semicolons included', () => {
    expect(parseMarker('not runnable here: slow; see x.test.ts', 'd:1')).toEqual({
      notRunnable: 'slow; see x.test.ts',
    });
  });

  it('refuses a reasonless "not runnable" and an unknown directive, naming the block', () => {
    expect(() => parseMarker('not runnable here', 'doc.md:7')).toThrow(
      'doc.md:7: "not runnable here" needs a reason',
    );
    expect(() => parseMarker('run twice', 'doc.md:9')).toThrow(
      'doc.md:9: unknown doc-test directive "run twice"',
    );
  });
});
