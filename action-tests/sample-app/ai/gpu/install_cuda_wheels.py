"""Stands in for `pip install torch==2.3.0` from the default index (the CUDA 12.1 build): the wheels'
layout and file names, libcudart at its real size (~0.7 MB), the other libraries cut down to keep
the sample small. Used by Dockerfile.cuda only, to exercise the CPU-only check."""
import os

SITE = "/usr/local/lib/python3.11/dist-packages"
FILES = {
    "nvidia/cuda_runtime/lib/libcudart.so.12": 707_904,
    "nvidia/cublas/lib/libcublas.so.12": 4_194_304,
    "nvidia/cudnn/lib/libcudnn.so.8": 2_097_152,
    "torch/lib/libtorch_cuda.so": 1_048_576,
}
DISTS = [
    "nvidia_cuda_runtime_cu12-12.1.105",
    "nvidia_cublas_cu12-12.1.3.1",
    "nvidia_cudnn_cu12-8.9.2.26",
    "torch-2.3.0+cu121",
]

for rel, size in FILES.items():
    path = os.path.join(SITE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(os.urandom(size))
for dist in DISTS:
    info = os.path.join(SITE, dist + ".dist-info")
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
        f.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % tuple(dist.split("-", 1)))
print("installed %d CUDA libraries and %d distributions under %s" % (len(FILES), len(DISTS), SITE))
