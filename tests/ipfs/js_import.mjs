// Reference CIDs from ipfs-unixfs-importer configured like Kubo's `ipfs add`
// (balanced layout, 174 links per node, fixed-size chunker, single-chunk
// files reduced to their leaf, UnixFS File leaves unless raw leaves).
//   node js_import.mjs CASES.json   -> one CID per case, in order
//   node js_import.mjs --bench FILE -> "<MB/s> <cid>" for a default add
// CASES.json: [{"path": ..., "cidVersion": 0|1, "rawLeaves": bool,
//               "chunkSize": N}, ...]. The importer is loaded from
// $CX_IPFS_NPM/node_modules (installed by the test).
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const npm = process.env.CX_IPFS_NPM
const pkg = (p) => import(pathToFileURL(path.join(npm, 'node_modules/ipfs-unixfs-importer/dist/src', p)).href)
const { importer } = await pkg('index.js')
const { fixedSize } = await pkg('chunker/index.js')
const { balanced } = await pkg('layout/index.js')

// Hash only: blocks are dropped, as `ipfs add --only-hash` would.
const sink = { put: async (cid) => cid }

async function cidOf (file, cidVersion, rawLeaves, chunkSize) {
  const opts = {
    cidVersion,
    rawLeaves,
    chunker: fixedSize({ chunkSize }),
    layout: balanced({ maxChildrenPerNode: 174 }),
    reduceSingleLeafToSelf: true,
    leafType: 'file',
    wrapWithDirectory: false
  }
  let last
  const src = [{ content: fs.createReadStream(file, { highWaterMark: 1 << 20 }) }]
  for await (const entry of importer(src, sink, opts)) last = entry
  return last.cid.toString()
}

// A directory tree, entries in byte order of their paths (the order Kubo
// writes links in); the last entry the importer yields is the root.
function * walk (root, rel) {
  const names = fs.readdirSync(path.join(root, rel)).filter((n) => !n.startsWith('.'))
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  for (const n of names) {
    const r = path.join(rel, n)
    if (fs.statSync(path.join(root, r)).isDirectory()) {
      yield { path: r }
      yield * walk(root, r)
    } else {
      yield { path: r, content: fs.createReadStream(path.join(root, r)) }
    }
  }
}

async function dirCid (dir, cidVersion, rawLeaves, chunkSize) {
  const opts = {
    cidVersion,
    rawLeaves,
    chunker: fixedSize({ chunkSize }),
    layout: balanced({ maxChildrenPerNode: 174 }),
    reduceSingleLeafToSelf: true,
    leafType: 'file',
    wrapWithDirectory: false
  }
  const base = path.basename(dir)
  const src = [{ path: base }, ...Array.from(walk(path.dirname(dir), base))]
  let root
  for await (const entry of importer(src, sink, opts)) if (entry.path === base) root = entry
  return root.cid.toString()
}

if (process.argv[2] === '--bench') {
  const file = process.argv[3]
  const size = fs.statSync(file).size
  const t0 = process.hrtime.bigint()
  const cid = await cidOf(file, 0, false, 262144)
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  console.log(`${(size / 1e6 / s).toFixed(1)} ${cid}`)
} else {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  for (const c of cases) {
    const fn = fs.statSync(c.path).isDirectory() ? dirCid : cidOf
    console.log(await fn(c.path, c.cidVersion, c.rawLeaves, c.chunkSize))
  }
}
