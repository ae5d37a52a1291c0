"""Training side of topicstance: corpus loading, feature extraction, fitting and the model format.

The modules here are also the shared core used by the service (labels, text
normalisation, model loading), so training and serving can never disagree.
"""
