/**
 * Imported first by `npm start`, before anything uses libuv's threadpool (file I/O, crypto, DNS): the queue
 * fsyncs every accepted webhook and every delivery, and with libuv's default of 4 threads twenty webhooks
 * at once would wait in line behind the answers' writes. An operator's own setting wins.
 */
process.env.UV_THREADPOOL_SIZE ??= "32";
