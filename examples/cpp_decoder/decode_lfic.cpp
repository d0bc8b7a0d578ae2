// Decode a .lfic face stream in C++: libcvlfic undoes the lossless core (pooled
// reconstruction + region mask), then the learned decoder network restores the face.
//
//   cvlfic_decode_cpp MODEL IN.lfic OUT.ppm
//   cvlfic_decode_cpp MODEL IN.ppm OUT.ppm ENCODER.bin BPP [OUT.lfic]
//
// The second form first encodes a face crop (binary PPM) with libcvlfic's face encoder
// (cvlfic_encode_face on a model folder's encoder.bin: the stream cvlfic.encode writes), then
// decodes it: encoder and decoder from the shared library, no Python.
//
// MODEL is a TorchScript export (`cvlfic export --format torchscript`, run by LibTorch) or,
// in a build with TensorRT, a serialized engine (`cvlfic export --format tensorrt`, *.engine).
// The network's input/output contract (tensor names, padding to a multiple of 16 by edge
// replication, the log2 block-size plane, the step 1 / (levels - 1), BGR output in [0, 1] ->
// uint8 by rint(255 x) and clip, cropped back to H x W) is cvlfic/nets/network.py: this file
// implements the same in C++, and the constants below must match that module's. (Gray
// streams get no special handling here; see stream_inputs / restore_outputs there.)
#include <cvlfic/cvlfic.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef CVLFIC_WITH_TORCH
#include <torch/script.h>
#endif
#ifdef CVLFIC_WITH_TENSORRT
#include <NvInfer.h>
#include <cuda_runtime_api.h>
#endif

namespace {

// cvlfic/nets/network.py: PAD_MULTIPLE, INPUT_NAMES, OUTPUT_NAME.
constexpr size_t kPadMultiple = 16;  // the decoder has four stride-2 stages
[[maybe_unused]] constexpr const char *kInputNames[] = {"planes", "log2_block", "step"};
[[maybe_unused]] constexpr const char *kOutputName = "bgr";

struct Inputs {
    size_t height = 0, width = 0;      // the face
    size_t padded_h = 0, padded_w = 0; // what the network sees
    std::vector<float> planes;         // 1 x 3 x H x W, 0..255, profile plane order
    std::vector<float> log2_block;     // 1 x 1 x H x W, log2 of the pooling block side
    float step = 0.0f;                 // 1 / (levels - 1)
};

void check(int status, const char *what) {
    if (status != CVLFIC_OK)
        throw std::runtime_error(std::string(what) + ": " + cvlfic_status_string(status));
}

std::vector<uint8_t> read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t round_up(size_t n) { return (n + kPadMultiple - 1) / kPadMultiple * kPadMultiple; }

Inputs prepare(const std::vector<uint8_t> &stream) {
    cvlfic_stream_info info{};
    check(cvlfic_read_info(stream.data(), stream.size(), &info), "stream header");
    cvlfic_profile profile{};
    check(cvlfic_profile_info(info.profile, &profile), "profile");
    std::vector<uint8_t> recon(info.height * info.width * 3), mask(info.mask_height * info.mask_width);
    check(cvlfic_decode(stream.data(), stream.size(), recon.data(), recon.size(), mask.data(),
                        mask.size()),
          "stream payload");

    Inputs in;
    in.height = info.height;
    in.width = info.width;
    in.padded_h = round_up(info.height);
    in.padded_w = round_up(info.width);
    const size_t plane = in.padded_h * in.padded_w;
    in.planes.resize(3 * plane);
    in.log2_block.resize(plane);
    in.step = 1.0f / static_cast<float>(info.levels - 1);
    // Padding replicates the edge, so a padded pixel reads its clamped source pixel.
    for (size_t y = 0; y < in.padded_h; ++y) {
        const size_t sy = std::min(y, info.height - 1);
        for (size_t x = 0; x < in.padded_w; ++x) {
            const size_t sx = std::min(x, info.width - 1);
            const uint8_t *px = &recon[(sy * info.width + sx) * 3];
            for (size_t c = 0; c < 3; ++c) in.planes[c * plane + y * in.padded_w + x] = px[c];
            const uint8_t index = mask[(sy / profile.region) * info.mask_width + sx / profile.region];
            in.log2_block[y * in.padded_w + x] = std::log2(static_cast<float>(profile.block_sizes[0][index]));
        }
    }
    return in;
}

// Network output (1 x 3 x H x W BGR in [0, 1], padded) -> binary PPM (RGB), rounded like numpy
// (network.py's to_uint8: rint, half to even, then clip).
void write_ppm(const std::string &path, const std::vector<float> &bgr, const Inputs &in) {
    const size_t plane = in.padded_h * in.padded_w;
    std::vector<uint8_t> rgb(in.height * in.width * 3);
    for (size_t y = 0; y < in.height; ++y)
        for (size_t x = 0; x < in.width; ++x)
            for (size_t c = 0; c < 3; ++c) {
                const float v = std::nearbyint(bgr[c * plane + y * in.padded_w + x] * 255.0f);
                rgb[(y * in.width + x) * 3 + (2 - c)] = static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
            }
    std::ofstream out(path, std::ios::binary);
    out << "P6\n" << in.width << " " << in.height << "\n255\n";
    out.write(reinterpret_cast<const char *>(rgb.data()), static_cast<std::streamsize>(rgb.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

// A binary PPM (P6, maxval 255) as packed BGR.
std::vector<uint8_t> read_ppm_bgr(const std::string &path, size_t &height, size_t &width) {
    std::ifstream in(path, std::ios::binary);
    std::string magic;
    int maxval = 0;
    in >> magic >> width >> height >> maxval;
    in.get();  // the single whitespace byte before the pixels
    if (!in || magic != "P6" || maxval != 255 || width == 0 || height == 0 || width > 4096 || height > 4096)
        throw std::runtime_error(path + ": not a binary 8-bit PPM of at most 4096 x 4096");
    std::vector<uint8_t> bgr(height * width * 3);
    in.read(reinterpret_cast<char *>(bgr.data()), static_cast<std::streamsize>(bgr.size()));
    if (!in) throw std::runtime_error(path + ": truncated");
    for (size_t i = 0; i < bgr.size(); i += 3) std::swap(bgr[i], bgr[i + 2]);  // RGB -> BGR
    return bgr;
}

// Encodes a face with the model's encoder parameters at `bpp` bits per pixel.
std::vector<uint8_t> encode_face(const std::string &face_path, const std::string &params_path, double bpp) {
    size_t h = 0, w = 0;
    const std::vector<uint8_t> bgr = read_ppm_bgr(face_path, h, w);
    const std::vector<uint8_t> params = read_file(params_path);
    cvlfic_encoder *encoder = nullptr;
    check(cvlfic_encoder_create(params.data(), params.size(), &encoder), "encoder parameters");
    std::unique_ptr<cvlfic_encoder, void (*)(cvlfic_encoder *)> owned(encoder, cvlfic_encoder_free);
    std::vector<uint8_t> stream(cvlfic_encode_bound(h, w, cvlfic_encoder_profile(encoder)));
    size_t size = 0;
    check(cvlfic_encode_face(encoder, bgr.data(), h, w, 3 * w, 3, CVLFIC_RATE_BPP, bpp, stream.data(),
                             stream.size(), &size),
          "encode");
    stream.resize(size);
    return stream;
}

struct Runner {
    virtual ~Runner() = default;
    virtual const char *name() const = 0;
    virtual std::vector<float> run(Inputs &in) = 0;
};

#ifdef CVLFIC_WITH_TORCH
struct TorchRunner : Runner {
    torch::jit::script::Module module;

    explicit TorchRunner(const std::string &path) : module(torch::jit::load(path)) { module.eval(); }
    const char *name() const override { return "libtorch"; }

    std::vector<float> run(Inputs &in) override {
        torch::InferenceMode guard;
        const auto h = static_cast<int64_t>(in.padded_h), w = static_cast<int64_t>(in.padded_w);
        auto planes = torch::from_blob(in.planes.data(), {1, 3, h, w}, torch::kFloat32);
        auto log2_block = torch::from_blob(in.log2_block.data(), {1, 1, h, w}, torch::kFloat32);
        auto step = torch::full({1, 1, 1, 1}, in.step, torch::kFloat32);
        auto out = module.forward({planes, log2_block, step}).toTensor().contiguous();
        return {out.data_ptr<float>(), out.data_ptr<float>() + out.numel()};
    }
};
#endif

#ifdef CVLFIC_WITH_TENSORRT
void cuda_check(cudaError_t status, const char *what) {
    if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

struct TrtLogger : nvinfer1::ILogger {
    void log(Severity severity, const char *msg) noexcept override {
        if (severity <= Severity::kWARNING) std::cerr << "tensorrt: " << msg << "\n";
    }
};

struct TensorRTRunner : Runner {
    TrtLogger logger;
    std::unique_ptr<nvinfer1::IRuntime> runtime;
    std::unique_ptr<nvinfer1::ICudaEngine> engine;
    std::unique_ptr<nvinfer1::IExecutionContext> context;

    explicit TensorRTRunner(const std::string &path) {
        const auto blob = read_file(path);
        runtime.reset(nvinfer1::createInferRuntime(logger));
        if (runtime) engine.reset(runtime->deserializeCudaEngine(blob.data(), blob.size()));
        if (engine) context.reset(engine->createExecutionContext());
        if (!context) throw std::runtime_error("cannot load TensorRT engine " + path);
    }
    const char *name() const override { return "tensorrt"; }

    std::vector<float> run(Inputs &in) override {
        const auto h = static_cast<int32_t>(in.padded_h), w = static_cast<int32_t>(in.padded_w);
        const float *host[] = {in.planes.data(), in.log2_block.data(), &in.step};
        const char *const *names = kInputNames;
        const nvinfer1::Dims4 shapes[] = {nvinfer1::Dims4(1, 3, h, w), nvinfer1::Dims4(1, 1, h, w),
                                          nvinfer1::Dims4(1, 1, 1, 1)};
        const size_t counts[] = {in.planes.size(), in.log2_block.size(), 1};
        std::vector<float> out(3 * in.padded_h * in.padded_w);

        cudaStream_t stream;
        cuda_check(cudaStreamCreate(&stream), "cudaStreamCreate");
        std::vector<void *> device(4, nullptr);
        auto release = [&] {
            for (void *p : device) cudaFree(p);
            cudaStreamDestroy(stream);
        };
        try {
            for (int i = 0; i < 3; ++i) {
                if (!context->setInputShape(names[i], shapes[i]))
                    throw std::runtime_error("input size outside the engine's optimization profile");
                cuda_check(cudaMalloc(&device[i], counts[i] * sizeof(float)), "cudaMalloc");
                cuda_check(cudaMemcpyAsync(device[i], host[i], counts[i] * sizeof(float),
                                           cudaMemcpyHostToDevice, stream), "copy in");
                context->setTensorAddress(names[i], device[i]);
            }
            cuda_check(cudaMalloc(&device[3], out.size() * sizeof(float)), "cudaMalloc");
            context->setTensorAddress(kOutputName, device[3]);
            if (!context->enqueueV3(stream)) throw std::runtime_error("TensorRT inference failed");
            cuda_check(cudaMemcpyAsync(out.data(), device[3], out.size() * sizeof(float),
                                       cudaMemcpyDeviceToHost, stream), "copy out");
            cuda_check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        } catch (...) {
            release();
            throw;
        }
        release();
        return out;
    }
};
#endif

bool ends_with(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::unique_ptr<Runner> create_runner(const std::string &model) {
    if (ends_with(model, ".engine") || ends_with(model, ".plan")) {
#ifdef CVLFIC_WITH_TENSORRT
        return std::make_unique<TensorRTRunner>(model);
#else
        throw std::runtime_error("this build has no TensorRT (configure with CVLFIC_WITH_TENSORRT=ON)");
#endif
    }
#ifdef CVLFIC_WITH_TORCH
    return std::make_unique<TorchRunner>(model);
#else
    throw std::runtime_error("this build has no LibTorch: give a TensorRT .engine");
#endif
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4 && argc != 6 && argc != 7) {
        std::cerr << "usage: " << argv[0] << " MODEL IN.lfic OUT.ppm\n"
                  << "       " << argv[0] << " MODEL IN.ppm OUT.ppm ENCODER.bin BPP [OUT.lfic]\n"
                  << "  MODEL: decoder TorchScript (.pt) or TensorRT engine (.engine)\n"
                  << "  ENCODER.bin: the model folder's encoder parameters\n";
        return 2;
    }
    try {
        auto runner = create_runner(argv[1]);
        std::vector<uint8_t> stream;
        if (argc == 4) {
            stream = read_file(argv[2]);
        } else {
            stream = encode_face(argv[2], argv[4], std::stod(argv[5]));
            if (argc == 7) {
                std::ofstream out(argv[6], std::ios::binary);
                out.write(reinterpret_cast<const char *>(stream.data()), static_cast<std::streamsize>(stream.size()));
                if (!out) throw std::runtime_error(std::string("cannot write ") + argv[6]);
            }
        }
        Inputs in = prepare(stream);
        const auto start = std::chrono::steady_clock::now();
        const auto bgr = runner->run(in);
        const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
        if (bgr.size() != 3 * in.padded_h * in.padded_w) throw std::runtime_error("unexpected output size");
        write_ppm(argv[3], bgr, in);
        std::printf("%s: %zux%zu, %zu bytes, cvlfic %s, %s network %.1f ms\n", argv[3], in.width, in.height,
                    stream.size(), cvlfic_version(), runner->name(), took.count());
    } catch (const std::exception &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
