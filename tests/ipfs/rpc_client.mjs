// A round trip through `cortex ipfs serve` with kubo-rpc-client:
//   node rpc_client.mjs http://127.0.0.1:PORT
// Prints "ok <what>" per check and exits non-zero on the first failure.
// The client is loaded from $CX_IPFS_NPM/node_modules.
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const npm = process.env.CX_IPFS_NPM
const { create } = await import(pathToFileURL(path.join(npm, 'node_modules/kubo-rpc-client/dist/src/index.js')).href)
const ipfs = create({ url: process.argv[2] + '/api/v0' })

function check (cond, what) {
  if (!cond) { console.log(`FAIL ${what}`); process.exit(1) }
  console.log(`ok ${what}`)
}
async function collect (it) {
  const parts = []
  for await (const p of it) parts.push(p)
  return Buffer.concat(parts)
}

const v = await ipfs.version()
check(typeof v.version === 'string', `version ${v.version}`)
const id = await ipfs.id()
check(id.id != null, `id ${id.id}`)

const hello = new TextEncoder().encode('hello world\n')
const added = await ipfs.add(hello)
check(added.cid.toString() === 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', `add ${added.cid}`)
const added1 = await ipfs.add(hello, { cidVersion: 1 })
check(added1.cid.toString() === 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', `add v1 ${added1.cid}`)

const big = new Uint8Array(600000)
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 255
const addedBig = await ipfs.add(big, { chunker: 'size-65536' })
const back = await collect(ipfs.cat(addedBig.cid))
check(Buffer.compare(back, Buffer.from(big)) === 0, `cat ${addedBig.cid} (${back.length} bytes)`)
const part = await collect(ipfs.cat(addedBig.cid, { offset: 65530, length: 20 }))
check(Buffer.compare(part, Buffer.from(big.subarray(65530, 65550))) === 0, 'cat with offset and length')

const blockCid = await ipfs.block.put(new TextEncoder().encode('a raw block'))
check(blockCid.toString().startsWith('bafkrei'), `block.put ${blockCid}`)
const block = await ipfs.block.get(blockCid)
check(new TextDecoder().decode(block) === 'a raw block', 'block.get')

const pinned = await ipfs.pin.add(blockCid, { recursive: false })
check(pinned.toString() === blockCid.toString(), 'pin.add direct')
const pins = []
for await (const p of ipfs.pin.ls()) pins.push(`${p.cid} ${p.type}`)
check(pins.includes(`${blockCid} direct`) && pins.includes(`${addedBig.cid} recursive`), `pin.ls (${pins.length})`)
const removed = await ipfs.pin.rm(addedBig.cid)
check(removed.toString() === addedBig.cid.toString(), 'pin.rm')

let threw = false
try { await ipfs.block.get('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy') } catch (e) { threw = true }
check(threw, 'block.get of a missing block fails')
console.log('done')
