"""Data package: the weights this project trained, one folder per preset (installed as mirzoo.weights)."""
