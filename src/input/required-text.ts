/**
 * The error of a text field that is missing or is not text, for `z.string(...)`: "name is required" for the
 * one, "name must be text" for the other, where one message for both told a script sending `"name": 5` to
 * send a name it had sent.
 */
export const requiredText = (field: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `${field} is required` : `${field} must be text`),
});
