/**
 * Characters no stored text may hold. Control characters (C0, DEL, C1) would
 * appear raw in pages, the console, email headers and calendar lines; a
 * multi-line text (an update, a postmortem) keeps tab, LF and CR, a one-line
 * text (a name) keeps none of them.
 */
export const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
export const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f]/;

export const CONTROL_MESSAGE = 'must not contain control characters';
