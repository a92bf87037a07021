import { VirtualClock } from '../simulator/core/clock';
it('should advance a virtual clock', () => {
  const c = new VirtualClock(0);
  c.advance(10);
  expect(c.now()).toBe(10);
});
