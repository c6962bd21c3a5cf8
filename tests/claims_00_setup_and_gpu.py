"""Quality claims of notebook 00, asserted on the metrics of its committed cpu run."""


def claims(m: dict) -> dict:
    return {
        "fp16 flushes a 1e-8 gradient to zero": m["fp16_of_1e-8"] == 0.0,
        "loss scaling keeps it (within 1%)": abs(m["fp16_scaled_of_1e-8"] / 1e-8 - 1) < 0.01,
        "bf16 keeps it (within 1%)": abs(m["bf16_of_1e-8"] / 1e-8 - 1) < 0.01,
        "a T4 gets fp16": m["amp_dtype_t4"] == "float16",
        "an A100 gets bf16": m["amp_dtype_a100"] == "bfloat16",
        "doctor finds the course ready": m["doctor_status"] == 0,
    }
