/** Bodies of admin requests: a JSON object, or {} when absent or unreadable. */
export function parseAdminBody(body: unknown): Record<string, unknown> {
  let value: unknown = body;
  if (Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return {};
    }
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
