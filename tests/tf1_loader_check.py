"""Run exports the way TF Serving does, in a process that imports TensorFlow and nothing else.

    python tests/tf1_loader_check.py INPUTS.npz OUTPUTS.npz EXPORT_DIR...

INPUTS.npz holds arrays named "<i>/<signature>/<input>" for the i-th EXPORT_DIR. Each export
is loaded into a TF1 session with `tf.compat.v1.saved_model.loader.load(sess, ["serve"], dir)`
and each signature run by its SignatureDef's tensor names; OUTPUTS.npz gets
"<i>/<signature>/<output>" arrays and, as "<i>/<signature>/<tensor>:dtype" / ":method", what the
SignatureDef declares.
"""

import sys

import numpy as np
import tensorflow as tf


def run_export(index, directory, inputs, results):
    with tf.compat.v1.Session(graph=tf.Graph()) as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], directory)
        for signature, feeds in inputs.items():
            definition = meta_graph.signature_def[signature]
            prefix = f"{index}/{signature}"
            results[f"{prefix}:method"] = np.array(definition.method_name)
            for name, info in [*definition.inputs.items(), *definition.outputs.items()]:
                results[f"{prefix}/{name}:dtype"] = np.array(tf.dtypes.as_dtype(info.dtype).name)
            fetches = {name: info.name for name, info in definition.outputs.items()}
            feed_dict = {definition.inputs[name].name: value for name, value in feeds.items()}
            for name, value in session.run(fetches, feed_dict).items():
                results[f"{prefix}/{name}"] = value


def main(inputs_file, outputs_file, *directories):
    arrays = np.load(inputs_file)
    results = {}
    for index, directory in enumerate(directories):
        inputs = {}
        for key in arrays.files:
            number, signature, name = key.split("/")
            if int(number) == index:
                inputs.setdefault(signature, {})[name] = arrays[key]
        run_export(index, directory, inputs, results)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "ganzoo")
    results["modules"] = np.array(" ".join(loaded))
    np.savez(outputs_file, **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
