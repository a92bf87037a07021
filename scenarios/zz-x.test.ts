import { startWorld } from '../harness/world';
it('x', async () => {
  const w = await startWorld({ profile: 11 });
  await w.registerServer();
  const { hamlet, othello, iago } = w.people;
  await w.phone(hamlet, 'ios'); await w.phone(hamlet, 'android'); await w.phone(iago, 'ios', { protocol: 'e2ee-11' });
  await w.send(othello, { to: [hamlet] }); await w.send(othello, { to: [hamlet, iago] });
  console.log(w.bouncer.query('SELECT name FROM sqlite_master WHERE type = "table" ORDER BY name'));
  console.log(w.bouncer.query('SELECT * FROM remote_realm_count'), w.bouncer.query('SELECT * FROM remote_installation_count'));
  console.log(w.bouncer.query('SELECT * FROM remote_push_device_token'), w.bouncer.query('SELECT * FROM remote_push_device'));
  console.log(JSON.stringify(w.stack.apns.journal.list()[0], null, 1).slice(0, 1500));
  await w.stop();
});
