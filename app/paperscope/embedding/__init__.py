"""The embedding engine: a sentence-transformers model exported once to ONNX and run by
onnxruntime (CUDA when usable, else the CPU), with only ``tokenizers`` + onnxruntime at
run time. Importing this package imports neither (nor torch): they load on first embed.

- :class:`Encoder` (``encoder.py``): ``Encoder(model=None, device="auto")``,
  ``.encode(texts, progress, cancel)``, ``.device_label()``.
- :func:`load_model_info` (``model.py``): checks a model folder; ``.model_id``.
- The library's vectors: ``paperscope.workflows.embed.embed_library``.
"""

from paperscope.embedding.encoder import EmbeddingWarning, Encoder, nvidia_gpu_names
from paperscope.embedding.model import (
    DEFAULT_NAME,
    ModelError,
    ModelInfo,
    cached_export,
    default_model_path,
    ensure_export,
    load_model_info,
    remove_exports,
)

__all__ = [
    "DEFAULT_NAME",
    "EmbeddingWarning",
    "Encoder",
    "ModelError",
    "ModelInfo",
    "cached_export",
    "default_model_path",
    "ensure_export",
    "load_model_info",
    "nvidia_gpu_names",
    "remove_exports",
]
