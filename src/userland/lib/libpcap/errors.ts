/** The filter compiler's error: tcpdump prints its message after "tcpdump: " and exits 1. */
export class FilterError extends Error {}
