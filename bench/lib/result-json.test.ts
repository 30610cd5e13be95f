import { resultJson } from './result-json.js';

describe('resultJson', () => {
  it('indents objects and keeps arrays of numbers or points on one line', () => {
    const value = {
      name: 'x',
      settings: { count: 2, skip: undefined },
      series: {
        rss: [
          [0, 1.5],
          [1, 2],
        ],
        ids: [1, 2, 3],
      },
      notes: [],
    };
    expect(resultJson(value)).toBe(
      [
        '{',
        '  "name": "x",',
        '  "settings": {',
        '    "count": 2',
        '  },',
        '  "series": {',
        '    "rss": [[0,1.5],[1,2]],',
        '    "ids": [1,2,3]',
        '  },',
        '  "notes": []',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('is the same data as JSON.stringify', () => {
    const value = { a: [{ b: [1, [2, 3]], c: null }], d: 'e"f', g: [[1, 2], { h: true }] };
    expect(JSON.parse(resultJson(value))).toEqual(value);
  });
});
