/**
 * The fake Zulip server's payload builder (server-and-app.md §A.3, §A.4, §B, §C): pure
 * functions from the model (../types.ts) to what a Zulip server sends the bouncer.
 *
 * * plain-text: rendered message HTML → notification text (`get_mobile_push_content`,
 *   `truncate_content`);
 * * legacy: the `push/notify` body (FCM + APNs payloads, removals, 11.x redaction / 12.x skip);
 * * e2ee: the E2EE plaintexts, their secretbox encryption and the `push/e2ee/notify` body.
 */
export * from './common';
export * from './plain-text';
export * from './legacy';
export * from './e2ee';
export { parseHtmlFragment, decodeEntities, textContent, type HtmlElement } from './html-fragment';
