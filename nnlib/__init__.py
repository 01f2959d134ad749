"""nnlib: the small NumPy library behind *Neural Networks from Scratch*.

Every chapter of the course imports it. Each module holds one concept and names the
chapter that derives it; the API follows PyTorch's names with NumPy underneath
(one difference: ``Linear`` stores its weight as (in_features, out_features) and computes
``x @ W + b``; PyTorch stores the transpose).

This package is the library a student rebuilds. The helpers that exist to teach, show
and check (exercise checks, plotting, widgets, lesson-only tools) live apart, in
``nnlib.course``, which imports the library and is never imported by it: ``import nnlib``
loads neither matplotlib nor IPython.
"""
from nnlib import attention, autograd, conv, data, embedding, functional, gradcheck, init, recurrent, transformer
from nnlib.activations import GELU, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Step, Tanh
from nnlib.attention import MultiHeadAttention
from nnlib.conv import Conv2d, Flatten, MaxPool2d
from nnlib.embedding import Embedding
from nnlib.layers import BatchNorm1d, Dropout, LayerNorm, Linear, Residual, Sequential
from nnlib.losses import CrossEntropyLoss, MSELoss
from nnlib.module import Module, Parameter, count_parameters
from nnlib.optim import SGD, Adam, AdamW
from nnlib.recurrent import LSTM, RNN
from nnlib.train import History, accuracy, clip_grad_norm, evaluate, fit, global_grad_norm, grad_norms, predict
from nnlib.transformer import DecoderLM, TransformerBlock

__all__ = [
    # building blocks
    "Parameter", "Module", "count_parameters",
    "Linear", "Sequential", "Dropout", "LayerNorm", "BatchNorm1d", "Residual",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "SiLU", "Softmax", "LogSoftmax", "Step",
    "MSELoss", "CrossEntropyLoss",
    "SGD", "Adam", "AdamW",
    "fit", "History", "accuracy", "predict", "evaluate", "grad_norms", "global_grad_norm", "clip_grad_norm",
    "Conv2d", "MaxPool2d", "Flatten", "RNN", "LSTM",
    "Embedding", "MultiHeadAttention", "TransformerBlock", "DecoderLM",
    # modules
    "attention", "autograd", "conv", "data", "embedding", "functional", "gradcheck", "init", "recurrent",
    "transformer",
]
