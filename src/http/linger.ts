/**
 * Closing a connection whose request body was not read to the end (413, 408, 404 with a body).
 * Node destroys such a socket as soon as our response is flushed. If the client is still
 * sending, its next segments reach a closed socket, the kernel answers with a reset, and the
 * client typically fails with EPIPE/ECONNRESET before it reads the 413 we sent. So, like
 * nginx's lingering close: half-close our side, keep discarding what still arrives (nothing
 * is buffered), and close when the client does or after `ms`, whichever comes first.
 */
import type { Socket } from "node:net";

export const LINGER_MS = 2000;

export function lingerOnClose(socket: Socket, ms = LINGER_MS): void {
  // Node's HTTP server calls destroySoon() on a connection it answered with Connection: close.
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.once("end", () => socket.destroy());
    socket.once("close", () => clearTimeout(timer));
    socket.resume();
  };
}
