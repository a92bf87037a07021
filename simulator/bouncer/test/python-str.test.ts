/** FCM data values rendered with Python's str() (§7.1). Expected strings are CPython's output. */
import { pythonFloatRepr, pythonStr } from '../delivery/python-str';

describe('pythonStr', () => {
  it.each<[unknown, string]>([
    ['text', 'text'],
    [123, '123'],
    [-7, '-7'],
    [true, 'True'],
    [false, 'False'],
    [null, 'None'],
    [[1, 2], '[1, 2]'],
    [['a', "it's"], `['a', "it's"]`],
    [{ a: 'b', n: [true, null] }, "{'a': 'b', 'n': [True, None]}"],
    [{ q: 'say "hi"' }, `{'q': 'say "hi"'}`],
    [['both \' and "'], `['both \\' and "']`],
    [['tab\there\nnewline\\'], "['tab\\there\\nnewline\\\\']"],
    [['\u0000\u007f\u00a0\u200b'], "['\\x00\\x7f\\xa0\\u200b']"],
    [['émoji 🎉'], "['émoji 🎉']"],
    [[], '[]'],
    [{}, '{}'],
  ])('should render %j as %s', (value, expected) => {
    expect(pythonStr(value)).toBe(expected);
  });

  it.each<[number, string]>([
    [1.5, '1.5'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1.2345e21, '1.2345e+21'],
    [123456789012345.6, '123456789012345.6'],
    [-2.5e-7, '-2.5e-07'],
    [Infinity, 'inf'],
  ])('should render the float %d as Python does', (x, expected) => {
    expect(pythonFloatRepr(x)).toBe(expected);
  });
});
