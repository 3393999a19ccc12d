"""Op-level int8 test models for LedgeML: every supported operator, odd sizes (1, 3, 17, 63 channels),
extreme scales and zero points, float32 and int8 model I/O. Each model goes to OUT/<name>/model.tflite."""
import argparse, os
import numpy as np
import tensorflow as tf

R = np.random.default_rng(7)


def w(*shape, scale=0.5):
    return tf.constant(R.normal(0, scale, size=shape).astype(np.float32))


def conv(x, cout, k, stride=1, pad="SAME", dil=1, act=None):
    cin = x.shape[-1]
    y = tf.nn.conv2d(x, w(k[0], k[1], cin, cout, scale=1 / np.sqrt(k[0] * k[1] * cin)), strides=stride,
                     padding=pad, dilations=dil) + w(cout, scale=0.1)
    return act(y) if act else y


def dense(x, n, act=None):
    y = tf.matmul(x, w(x.shape[-1], n, scale=1 / np.sqrt(x.shape[-1]))) + w(n, scale=0.1)
    return act(y) if act else y


def dw(x, mult, k, stride=1, pad="SAME", act=None):
    cin = x.shape[-1]
    y = tf.nn.depthwise_conv2d(x, w(k, k, cin, mult, scale=0.4), strides=[1, stride, stride, 1], padding=pad)
    y = y + w(cin * mult, scale=0.1)
    return act(y) if act else y


relu6 = tf.nn.relu6
# name: (input shapes, function, (mean, std) of inputs, io type)
MODELS = {
    "fc_17_to_3": ([(1, 17)], lambda x: dense(x, 3), (0, 1), "int8"),
    "fc_63_relu6": ([(1, 63)], lambda x: dense(x, 63, relu6), (0, 1), "float"),
    "fc_batch4_to_1": ([(4, 17)], lambda x: dense(x, 1, tf.nn.relu), (0.5, 2), "int8"),
    "fc_deep_1024": ([(1, 1024)], lambda x: dense(x, 37), (0, 1), "int8"),
    "mlp_tanh_sigmoid": ([(1, 10)], lambda x: tf.sigmoid(dense(tf.tanh(dense(x, 17)), 3)), (0, 1), "float"),
    "softmax_10": ([(2, 10)], lambda x: tf.nn.softmax(dense(x, 10)), (0, 1), "int8"),
    "softmax_beta": ([(1, 63)], lambda x: tf.nn.softmax(x * 1.0), (0, 3), "int8"),
    "conv_3x3_same_s2_17": ([(1, 9, 11, 3)], lambda x: conv(x, 17, (3, 3), 2, "SAME", act=tf.nn.relu), (0, 1), "int8"),
    "conv_1x1_63": ([(1, 5, 5, 63)], lambda x: conv(x, 1, (1, 1)), (0, 1), "int8"),
    "conv_dilated_valid": ([(1, 12, 10, 1)], lambda x: conv(x, 3, (2, 3), 1, "VALID", dil=2, act=relu6), (0, 1), "float"),
    "conv1d_like": ([(1, 30, 14)], lambda x: tf.squeeze(conv(tf.expand_dims(x, 1), 16, (1, 5), 1, "SAME", act=tf.nn.relu), 1), (0, 1), "float"),
    "depthwise_m2": ([(1, 8, 8, 3)], lambda x: dw(x, 2, 3, 1, "SAME", relu6), (0, 1), "int8"),
    "depthwise_s2_valid": ([(1, 9, 9, 17)], lambda x: dw(x, 1, 3, 2, "VALID"), (0, 1), "int8"),
    "maxpool_same_s2": ([(1, 9, 7, 3)], lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"), (0, 1), "int8"),
    "avgpool_valid": ([(1, 8, 8, 17)], lambda x: tf.nn.avg_pool2d(x, 2, 2, "VALID"), (0, 1), "int8"),
    "avgpool_same_s1": ([(1, 5, 6, 3)], lambda x: tf.nn.avg_pool2d(x, 3, 1, "SAME"), (0, 1), "int8"),
    "mean_spatial_keepdims": ([(1, 6, 5, 17)], lambda x: tf.reduce_mean(conv(x, 17, (1, 1)), axis=[1, 2], keepdims=True), (0, 1), "int8"),
    "mean_axis1": ([(1, 30, 8)], lambda x: tf.reduce_mean(tf.nn.relu(x), axis=1), (0, 1), "int8"),
    "mean_last_axis": ([(2, 3, 63)], lambda x: tf.reduce_mean(x, axis=-1), (0, 1), "int8"),
    "reshape_squeeze_expand": ([(1, 4, 6)], lambda x: tf.expand_dims(tf.squeeze(tf.reshape(dense(tf.reshape(x, (1, 24)), 12), (1, 3, 4, 1)), -1), 0), (0, 1), "int8"),
    "concat_channels": ([(1, 4, 4, 3)], lambda x: tf.concat([conv(x, 3, (1, 1)), conv(x, 17, (3, 3))], axis=-1), (0, 1), "int8"),
    "strided_slice": ([(1, 10, 7, 3)], lambda x: x[:, 1:9:2, ::3, 1:], (0, 1), "int8"),
    "add_broadcast": ([(1, 4, 5, 3)], lambda x: tf.nn.relu(conv(x, 3, (1, 1)) + x) + tf.constant([0.5, -1.0, 2.0]), (0, 1), "int8"),
    "sub_two_inputs": ([(1, 17), (1, 17)], lambda a, b: a - 3.0 * b, (0, 1), "int8"),
    "mul_broadcast": ([(1, 6, 17)], lambda x: x * tf.constant(R.uniform(-2, 2, size=(17,)).astype(np.float32)) * dense(x, 1), (0, 1), "int8"),
    "leaky_relu": ([(1, 63)], lambda x: tf.nn.leaky_relu(dense(x, 63), alpha=0.1), (0, 1), "int8"),
    "relu_relu6_ops": ([(1, 3, 17)], lambda x: tf.concat([tf.nn.relu(x), tf.nn.relu6(x * 4.0)], axis=-1), (0, 2), "int8"),
    "extreme_tiny_scale": ([(1, 17)], lambda x: dense(x, 3), (0, 1e-3), "int8"),
    "extreme_huge_scale": ([(1, 17)], lambda x: dense(x * 1e-3, 3), (0, 500.0), "float"),
    "extreme_zp_positive": ([(1, 3, 3, 3)], lambda x: conv(x, 3, (3, 3)), (5.0, 0.5), "int8"),
    "extreme_zp_negative": ([(1, 63)], lambda x: dense(x, 1), (-5.0, 0.5), "int8"),
    # Not supported by LedgeML on purpose: the error must name the operator (no goldens for it).
    "unsupported/pad": ([(1, 4, 4, 3)], lambda x: tf.pad(conv(x, 3, (1, 1)), [[0, 0], [1, 1], [1, 1], [0, 0]]), (0, 1), "int8"),
    "quantize_requant": ([(1, 8)], lambda x: tf.concat([x, dense(x, 8) * 10.0], axis=-1), (0, 1), "int8"),
    # Coverage added later (appended so the models above keep their weights when everything is rebuilt).
    "depthwise_1ch_relu": ([(1, 7, 7, 1)], lambda x: dw(x, 1, 3, 1, "SAME", tf.nn.relu), (0, 1), "int8"),
    "depthwise_63_relu6": ([(1, 5, 5, 63)], lambda x: dw(x, 1, 3, 1, "SAME", relu6), (0, 1), "int8"),
    "conv_63_to_63_relu6": ([(1, 4, 4, 63)], lambda x: conv(x, 63, (3, 3), 1, "SAME", act=relu6), (0, 1), "int8"),
    "conv_rows_valid_3_to_17": ([(1, 2, 20, 3)], lambda x: conv(x, 17, (1, 3), 1, "VALID", act=tf.nn.relu), (0, 1), "int8"),
    "conv_rows_stride_h2": ([(1, 6, 9, 3)], lambda x: conv(x, 1, (1, 4), (2, 1), "SAME"), (0, 1), "int8"),
    "conv_1x1_direct_3_to_17": ([(1, 3, 5, 3)], lambda x: conv(x, 17, (1, 1), 1, "SAME", act=relu6), (0, 1), "int8"),
    "fc_1_unit_tanh": ([(1, 63)], lambda x: tf.tanh(dense(x, 1)), (0, 1), "int8"),
    "fc_per_tensor_17": ([(1, 17)], lambda x: dense(x, 17, tf.nn.relu), (0, 1), "int8", {"per_tensor_dense": True}),
    "add_fused_relu6": ([(1, 63), (1, 63)], lambda a, b: tf.nn.relu6(a + b), (0, 2), "int8"),
    "mul_fused_relu": ([(1, 3, 17), (1, 3, 17)], lambda a, b: tf.nn.relu(a * b), (0, 1), "int8"),
    "concat3_axis1": ([(1, 3, 5), (1, 1, 5), (1, 17, 5)], lambda a, b, c: tf.concat([a, b * 2.0, c], axis=1), (0, 1), "int8"),
    "tanh_sigmoid_saturating": ([(1, 17)], lambda x: tf.concat([tf.tanh(x), tf.sigmoid(x)], axis=-1), (0, 10), "int8"),
    "extreme_conv_huge_input": ([(1, 5, 5, 3)], lambda x: conv(x * 1e-3, 17, (3, 3), 1, "SAME"), (0, 1e3), "int8"),
    "extreme_fc_tiny_weights": ([(1, 63)], lambda x: tf.matmul(x, w(63, 3, scale=1e-4)) + w(3, scale=1e-5), (0, 1), "int8"),
}


def build(name, out):
    shapes, fn, (mu, sd), io = MODELS[name][:4]
    opts = MODELS[name][4] if len(MODELS[name]) > 4 else {}
    specs = [tf.TensorSpec(s, tf.float32) for s in shapes]
    f = tf.function(fn).get_concrete_function(*specs)

    def rep():
        g = np.random.default_rng(11)
        for _ in range(64):
            yield [(mu + sd * g.normal(size=s)).astype(np.float32) for s in shapes]

    c = tf.lite.TFLiteConverter.from_concrete_functions([f], trackable_obj=None)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if opts.get("per_tensor_dense"):
        c._experimental_disable_per_channel_quantization_for_dense_layers = True
    if io == "int8":
        c.inference_input_type = tf.int8
        c.inference_output_type = tf.int8
    data = c.convert()
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "model.tflite"), "wb").write(data)
    print(f"{name}: {len(data)} bytes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    for n in a.names or list(MODELS):
        build(n, a.out)


if __name__ == "__main__":
    main()
