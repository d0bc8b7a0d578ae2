"""Image codecs behind one benchmark interface (``BenchCodec``) and a registry of codec
families (the built-in ones in ``cvlfic.codecs.zoo``)."""
from cvlfic.codecs.base import (BenchCodec, CodecFamily, codec_family, create_codec,
                                default_settings, list_codecs, register_codec, unregister_codec)
from cvlfic.codecs.target_bytes import (BudgetFit, BudgetMissError, TargetBytesCodec,
                                        encode_all_within, encode_within)

__all__ = ["BenchCodec", "CodecFamily", "codec_family", "create_codec", "default_settings",
           "list_codecs", "register_codec", "unregister_codec", "BudgetFit", "BudgetMissError",
           "TargetBytesCodec", "encode_all_within", "encode_within"]
