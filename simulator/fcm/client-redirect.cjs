/**
 * Preload that points an UNMODIFIED Node client (firebase-admin 13.x) at the mock FCM:
 *
 *   NODE_OPTIONS="--require /abs/simulator/fcm/client-redirect.cjs" \
 *   NODE_EXTRA_CA_CERTS=<dataDir>/fcm/ca.pem \
 *   ZPG_REDIRECT_PORTS='fcm.googleapis.com:443=127.0.0.1:<tlsPort>,oauth2.googleapis.com:443=127.0.0.1:<tlsPort>' \
 *   node app.js
 *
 * Why each piece (client-redirect.md §2c, measured with firebase-admin 13.9 on Node 20):
 *  1. firebase-admin hard-codes https://fcm.googleapis.com and https://oauth2.googleapis.com/token
 *     (token_uri in the service account is ignored), so the redirect must happen below the library.
 *     - ZPG_REDIRECT_HOSTS='host=ip,...' overrides dns.lookup (net/tls look it up by property at
 *       connect time; `opts.all` is honoured because Node 20's autoSelectFamily asks for all
 *       addresses). Enough when the mock listens on 443.
 *     - ZPG_REDIRECT_PORTS='host:port=ip:port,...' rewrites the destination of every TCP connect
 *       (net.Socket.prototype.connect, under http, https, tls and http2 alike), so the mock can
 *       listen on any port. TLS still sends SNI and verifies the certificate for the real host:
 *       only where the bytes go changes.
 *  2. firebase-admin's HTTP/2 requests (sendEach) carry `:scheme: "https:"` (URL.protocol, colon
 *     included; TODO(b/401051826) in firebase-admin lib/utils/api-request.js). Google's front end
 *     tolerates it; nghttp2 — under every node:http2 server, the mock included — answers
 *     RST_STREAM(PROTOCOL_ERROR) before any server code runs. No server-side fix exists in Node, so
 *     http2.connect is wrapped: session.request rewrites "https:" → "https" (and "http:" → "http").
 *     ZPG_FIX_H2_SCHEME=0 turns the shim off (tests use it to show the refusal).
 *  3. NODE_EXTRA_CA_CERTS (read by Node at startup, so it must be in the environment, not set
 *     here) makes the mock's throwaway CA trusted alongside the system roots.
 *
 * Plain CommonJS on purpose: `--require` loads it before any ESM or TypeScript tooling.
 */
'use strict';

const dns = require('node:dns');
const net = require('node:net');
const http2 = require('node:http2');

/** "a=b,c=d" → Map(a → b); names lower-cased. */
function parseMap(text) {
  const map = new Map();
  for (const pair of (text || '').split(',')) {
    const [from, to] = pair.split('=').map((s) => (s || '').trim());
    if (from && to) map.set(from.toLowerCase(), to);
  }
  return map;
}

/** "127.0.0.1:8443" or "[::1]:8443" → { host, port }. */
function parseHostPort(text) {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new Error(`client-redirect: "${text}" is not host:port`);
  return { host: m[1], port: Number(m[2]) };
}

const hostMap = parseMap(process.env.ZPG_REDIRECT_HOSTS);
const portMap = new Map([...parseMap(process.env.ZPG_REDIRECT_PORTS)].map(([from, to]) => [from, parseHostPort(to)]));

// 1a. dns.lookup: answer mapped names with the mapped address.
if (hostMap.size > 0) {
  const originalLookup = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    const address = hostMap.get(String(hostname).toLowerCase());
    if (!address) return originalLookup.call(dns, hostname, options, callback);
    const opts = typeof options === 'number' ? { family: options } : options || {};
    const family = net.isIP(address);
    process.nextTick(() => (opts.all ? callback(null, [{ address, family }]) : callback(null, address, family)));
    return {};
  };
}

// 1b. Every TCP connect: host:port in the map → the mock's address and port.
if (portMap.size > 0) {
  const originalConnect = net.Socket.prototype.connect;
  const redirect = (options) => {
    if (!options || typeof options !== 'object' || options.path) return options;
    const key = `${String(options.host || 'localhost').toLowerCase()}:${Number(options.port)}`;
    const to = portMap.get(key);
    return to ? { ...options, host: to.host, port: to.port } : options;
  };
  net.Socket.prototype.connect = function connect(...args) {
    if (Array.isArray(args[0])) {
      // net.connect()/tls.connect() pass their already-normalized [options, callback] array;
      // replacing its first element keeps the array (and its internal marker) intact.
      args[0][0] = redirect(args[0][0]);
    } else if (args[0] && typeof args[0] === 'object') {
      args[0] = redirect(args[0]);
    } else if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
      const to = redirect({ port: Number(args[0]), host: typeof args[1] === 'string' ? args[1] : 'localhost' });
      args[0] = to.port;
      if (typeof args[1] === 'string') args[1] = to.host;
      else args.splice(1, 0, to.host);
    }
    return originalConnect.apply(this, args);
  };
}

// 2. HTTP/2 `:scheme` with a trailing colon → without (ZPG_FIX_H2_SCHEME=0 leaves it, to show the quirk).
if (process.env.ZPG_FIX_H2_SCHEME !== '0') {
  const originalH2Connect = http2.connect;
  http2.connect = function connect(...args) {
    const session = originalH2Connect.apply(this, args);
    const originalRequest = session.request;
    session.request = function request(headers, ...rest) {
      const scheme = headers && headers[':scheme'];
      if (typeof scheme === 'string' && scheme.endsWith(':')) headers = { ...headers, ':scheme': scheme.slice(0, -1) };
      return originalRequest.call(this, headers, ...rest);
    };
    return session;
  };
}
