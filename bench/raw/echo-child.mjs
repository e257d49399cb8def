// Raw Node floor: a bare child process that echoes. Plain JS, no library.
//   node echo-child.mjs ipc          echo over the fork IPC channel (process.send)
//   node echo-child.mjs fd3          echo length-prefixed frames over fd 3 (stdio 'pipe' = unix socket)
//   node echo-child.mjs unix <path>  connect to a unix socket server and echo frames
import net from 'node:net';

const mode = process.argv[2];

function frameEcho(sock) {
  let buf = Buffer.alloc(0);
  sock.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off < 4 + len) break;
      off += 4 + len;
    }
    if (off > 0) {
      // Echo every whole frame as is (header included).
      sock.write(buf.subarray(0, off));
      buf = buf.subarray(off);
    }
  });
  sock.on('end', () => process.exit(0));
  sock.on('error', () => process.exit(0));
}

if (mode === 'ipc') {
  process.on('message', (m) => process.send(m));
  process.on('disconnect', () => process.exit(0));
} else if (mode === 'fd3') {
  frameEcho(new net.Socket({ fd: 3, readable: true, writable: true }));
} else if (mode === 'unix') {
  const sock = net.connect(process.argv[3]);
  sock.setNoDelay?.(true);
  frameEcho(sock);
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
