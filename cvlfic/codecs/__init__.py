"""Image codecs behind one interface (``Codec``) and a registry of codec families."""
from cvlfic.codecs.base import (Codec, CodecFamily, codec_family, create_codec,
                                default_settings, list_codecs, register_codec)
from cvlfic.codecs.target_bytes import (BudgetFit, BudgetMissError, TargetBytesCodec,
                                        encode_all_within, encode_within)

__all__ = ["Codec", "CodecFamily", "codec_family", "create_codec", "default_settings",
           "list_codecs", "register_codec", "BudgetFit", "BudgetMissError",
           "TargetBytesCodec", "encode_all_within", "encode_within"]
