// Node's own http server and client, unmodified, in two jails of examples/wan.yaml: the client in
// `hq`, the server in `branch`, two routers and a shaped WAN link (20 ms each way, 0.5% loss)
// between them. Run it from the project folder (after `npm ci`, which builds):
//
//   node examples/http.mjs
//
// It prints each response with the virtual time it took: the first pays for ARP and the TCP
// handshake across the WAN, the others reuse the keep-alive connection (one round trip each).

import http from 'node:http'
import { createLab } from 'virtnet'

const lab = await createLab({ file: new URL('wan.yaml', import.meta.url).pathname })
const hq = lab.node('hq')
const branch = lab.node('branch')

// The server: Node's http.Server, fed the connections the branch jail accepts on port 80.
const web = http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain')
  res.end(`hello from ${branch.name} (${branch.address}), you asked for ${req.url}\n`)
})
branch.net.createServer((socket) => web.emit('connection', socket)).listen(80)

// The client: Node's http.get through a keep-alive Agent whose connections start in the hq jail.
const agent = new http.Agent({ keepAlive: true })
agent.createConnection = hq.net.createConnection

function get(path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: 'branch', path, agent }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve(`${res.statusCode} ${body.trim()}`))
      })
      .on('error', reject)
  })
}

for (const path of ['/', '/index.html', '/again']) {
  const t0 = lab.now()
  const answer = await get(path)
  console.log(`GET ${path} -> ${answer}  [${(lab.now() - t0).toFixed(3)} ms virtual]`)
}

agent.destroy()
lab.close()
