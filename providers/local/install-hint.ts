// No imports: the worker thread uses this too, and the worker must not load the core.
/** What to run when an optional peer dependency is missing. */
export const INSTALL_HINT =
  'Install the local backend\'s peer dependencies: `npm install onnxruntime-node sharp`. ' +
  'For NVIDIA GPUs, onnxruntime-node uses CUDA 12 with cuDNN 9 on the library path; its postinstall fetches the CUDA provider ' +
  '(if your package manager skipped install scripts, run `node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12`).';
