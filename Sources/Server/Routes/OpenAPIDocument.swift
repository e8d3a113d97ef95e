import Foundation
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 contract of every route, served at `/openapi.json`. The document below is the source: edit it
/// with the routes. `OpenAPITests` fails when a route is missing from it (or it lists one that does not exist), and
/// `make test` runs Schemathesis against a live server with it.
enum OpenAPIDocument {
    static func register(on router: Router<some RequestContext>) {
        let body = Self.json.replacingOccurrences(of: "\"version\": \"VERSION\"", with: "\"version\": \"\(SkiffVersion.current)\"")
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    static let json = #"""
        {
         "openapi": "3.1.0",
         "info": {
          "title": "skiff",
          "version": "VERSION",
          "description": "Local ML models on ONNX Runtime and an OpenAI-compatible LLM gateway. Every error is {\"error\": {\"type\", \"message\"}}."
         },
         "servers": [
          {
           "url": "/"
          }
         ],
         "security": [
          {
           "bearer": []
          },
          {
           "apiKey": []
          },
          {}
         ],
         "tags": [
          {
           "name": "health"
          },
          {
           "name": "operations"
          },
          {
           "name": "models"
          },
          {
           "name": "gateway"
          }
         ],
         "paths": {
          "/health": {
           "get": {
            "summary": "Liveness for the load balancer",
            "operationId": "health",
            "tags": [
             "health"
            ],
            "responses": {
             "200": {
              "description": "Alive",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "status": {
                   "type": "string"
                  },
                  "reason": {
                   "type": "string"
                  }
                 },
                 "required": [
                  "status"
                 ]
                }
               }
              }
             }
            },
            "security": []
           }
          },
          "/health/live": {
           "get": {
            "summary": "The process answers",
            "operationId": "healthLive",
            "tags": [
             "health"
            ],
            "responses": {
             "200": {
              "description": "Alive",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "status": {
                   "type": "string"
                  },
                  "reason": {
                   "type": "string"
                  }
                 },
                 "required": [
                  "status"
                 ]
                }
               }
              }
             }
            },
            "security": []
           }
          },
          "/health/ready": {
           "get": {
            "summary": "Ready for traffic",
            "operationId": "healthReady",
            "tags": [
             "health"
            ],
            "responses": {
             "200": {
              "description": "Ready",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "status": {
                   "type": "string"
                  },
                  "reason": {
                   "type": "string"
                  }
                 },
                 "required": [
                  "status"
                 ]
                }
               }
              }
             },
             "503": {
              "description": "Starting or draining",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "status": {
                   "type": "string"
                  },
                  "reason": {
                   "type": "string"
                  }
                 },
                 "required": [
                  "status"
                 ]
                }
               }
              }
             }
            },
            "security": []
           }
          },
          "/health/detailed": {
           "get": {
            "summary": "Version, uptime, models, providers, configuration source (never values)",
            "operationId": "healthDetailed",
            "tags": [
             "health"
            ],
            "responses": {
             "200": {
              "description": "Details",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "status": {
                   "type": "string"
                  },
                  "reason": {
                   "type": "string"
                  },
                  "version": {
                   "type": "string"
                  },
                  "uptime_seconds": {
                   "type": "number"
                  },
                  "models": {
                   "type": "array",
                   "items": {
                    "type": "object",
                    "properties": {
                     "role": {
                      "type": "string"
                     },
                     "variable": {
                      "type": "string"
                     },
                     "name": {
                      "type": "string"
                     },
                     "state": {
                      "type": "string",
                      "enum": [
                       "loading",
                       "loaded",
                       "failed"
                      ]
                     },
                     "version": {
                      "type": "string"
                     },
                     "variant": {
                      "type": "string"
                     },
                     "reason": {
                      "type": "string"
                     }
                    },
                    "required": [
                     "role",
                     "variable",
                     "name",
                     "state"
                    ]
                   }
                  },
                  "providers": {
                   "type": "array",
                   "items": {
                    "type": "string"
                   }
                  },
                  "config": {
                   "type": "object",
                   "properties": {
                    "source": {
                     "type": "string",
                     "enum": [
                      "environment",
                      "ssm"
                     ]
                    },
                    "ssm_path": {
                     "type": "string"
                    },
                    "parameter_count": {
                     "type": "integer"
                    },
                    "load_seconds": {
                     "type": "number"
                    },
                    "ssm_error": {
                     "type": "string"
                    }
                   },
                   "required": [
                    "source"
                   ]
                  }
                 },
                 "required": [
                  "status",
                  "version",
                  "uptime_seconds",
                  "models",
                  "providers",
                  "config"
                 ]
                }
               }
              }
             }
            },
            "security": []
           }
          },
          "/metrics": {
           "get": {
            "summary": "Prometheus metrics",
            "operationId": "metrics",
            "tags": [
             "operations"
            ],
            "responses": {
             "200": {
              "description": "Prometheus text format 0.0.4",
              "content": {
               "text/plain": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             }
            }
           }
          },
          "/openapi.json": {
           "get": {
            "summary": "This document",
            "operationId": "openapi",
            "tags": [
             "operations"
            ],
            "responses": {
             "200": {
              "description": "OpenAPI 3.1",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             }
            },
            "security": []
           }
          },
          "/info": {
           "get": {
            "summary": "text-embeddings-inference's /info",
            "operationId": "info",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Model and limits",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "model_id": {
                   "type": "string"
                  },
                  "model_version": {
                   "type": "string"
                  },
                  "model_sha": {
                   "type": [
                    "string",
                    "null"
                   ]
                  },
                  "model_dtype": {
                   "type": [
                    "string",
                    "null"
                   ]
                  },
                  "model_type": {
                   "type": "object"
                  },
                  "dimensions": {
                   "type": "integer"
                  },
                  "max_input_length": {
                   "type": [
                    "integer",
                    "null"
                   ]
                  },
                  "max_concurrent_requests": {
                   "type": "integer"
                  },
                  "max_batch_tokens": {
                   "type": "integer"
                  },
                  "max_batch_requests": {
                   "type": "integer"
                  },
                  "max_client_batch_size": {
                   "type": "integer"
                  },
                  "tokenization_workers": {
                   "type": "integer"
                  },
                  "version": {
                   "type": "string"
                  }
                 },
                 "required": [
                  "model_id",
                  "version"
                 ]
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             }
            }
           }
          },
          "/embed": {
           "post": {
            "summary": "Sentence embeddings (text-embeddings-inference's shape)",
            "operationId": "embed",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "One vector per input",
              "content": {
               "application/json": {
                "schema": {
                 "type": "array",
                 "items": {
                  "type": "array",
                  "items": {
                   "type": "number"
                  }
                 }
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             },
             "504": {
              "$ref": "#/components/responses/Timeout"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "inputs": {
                  "oneOf": [
                   {
                    "type": "string"
                   },
                   {
                    "type": "array",
                    "items": {
                     "type": "string"
                    }
                   }
                  ]
                 },
                 "normalize": {
                  "type": "boolean"
                 },
                 "truncate": {
                  "type": "boolean"
                 }
                },
                "required": [
                 "inputs"
                ]
               }
              }
             }
            }
           }
          },
          "/tokenize": {
           "post": {
            "summary": "Token ids as the model sees them",
            "operationId": "tokenize",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Tokens per input",
              "content": {
               "application/json": {
                "schema": {
                 "type": "array",
                 "items": {
                  "type": "array",
                  "items": {
                   "type": "object",
                   "properties": {
                    "id": {
                     "type": "integer"
                    },
                    "text": {
                     "type": "string"
                    },
                    "special": {
                     "type": "boolean"
                    }
                   },
                   "required": [
                    "id",
                    "text",
                    "special"
                   ]
                  }
                 }
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "inputs": {
                  "oneOf": [
                   {
                    "type": "string"
                   },
                   {
                    "type": "array",
                    "items": {
                     "type": "string"
                    }
                   }
                  ]
                 },
                 "add_special_tokens": {
                  "type": "boolean"
                 }
                },
                "required": [
                 "inputs"
                ]
               }
              }
             }
            }
           }
          },
          "/similarity": {
           "post": {
            "summary": "Cosine similarity, with the cross-encoder deciding inside the rerank band",
            "operationId": "similarity",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Scores",
              "content": {
               "application/json": {
                "schema": {
                 "oneOf": [
                  {
                   "type": "object",
                   "properties": {
                    "score": {
                     "type": "number"
                    },
                    "cross_encoder_score": {
                     "type": [
                      "number",
                      "null"
                     ]
                    },
                    "is_match": {
                     "type": "boolean"
                    },
                    "decided_by": {
                     "type": "string",
                     "enum": [
                      "bi_encoder",
                      "cross_encoder"
                     ]
                    },
                    "threshold": {
                     "type": "number"
                    },
                    "model": {
                     "type": "string"
                    },
                    "cross_encoder_model": {
                     "type": "string"
                    },
                    "cross_encoder_unavailable": {
                     "type": "string"
                    }
                   },
                   "required": [
                    "score",
                    "is_match",
                    "decided_by",
                    "threshold",
                    "model"
                   ]
                  },
                  {
                   "type": "object",
                   "properties": {
                    "scores": {
                     "type": "array",
                     "items": {
                      "type": "number"
                     }
                    },
                    "best_match": {
                     "type": "object",
                     "properties": {
                      "index": {
                       "type": "integer"
                      },
                      "text": {
                       "type": "string"
                      },
                      "score": {
                       "type": "number"
                      }
                     },
                     "required": [
                      "index",
                      "text",
                      "score"
                     ]
                    },
                    "cross_encoder_scores": {
                     "type": "array",
                     "items": {
                      "type": [
                       "number",
                       "null"
                      ]
                     }
                    },
                    "is_match": {
                     "type": "boolean"
                    },
                    "decided_by": {
                     "type": "string",
                     "enum": [
                      "bi_encoder",
                      "cross_encoder"
                     ]
                    },
                    "threshold": {
                     "type": "number"
                    },
                    "model": {
                     "type": "string"
                    },
                    "cross_encoder_model": {
                     "type": "string"
                    },
                    "cross_encoder_unavailable": {
                     "type": "string"
                    }
                   },
                   "required": [
                    "scores",
                    "best_match",
                    "is_match",
                    "decided_by",
                    "threshold",
                    "model"
                   ]
                  }
                 ]
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             },
             "504": {
              "$ref": "#/components/responses/Timeout"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "anyOf": [
                 {
                  "type": "object",
                  "properties": {
                   "text_a": {
                    "type": "string"
                   },
                   "text_b": {
                    "type": "string"
                   },
                   "truncate": {
                    "type": "boolean"
                   }
                  },
                  "required": [
                   "text_a",
                   "text_b"
                  ]
                 },
                 {
                  "type": "object",
                  "properties": {
                   "source": {
                    "type": "string"
                   },
                   "candidates": {
                    "type": "array",
                    "items": {
                     "type": "string"
                    }
                   },
                   "truncate": {
                    "type": "boolean"
                   }
                  },
                  "required": [
                   "source",
                   "candidates"
                  ]
                 }
                ]
               }
              }
             }
            }
           }
          },
          "/classify": {
           "post": {
            "summary": "Zero-shot classification (NLI, cascade, or embedding similarity)",
            "operationId": "classify",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Labels sorted by score",
              "content": {
               "application/json": {
                "schema": {
                 "oneOf": [
                  {
                   "$ref": "#/components/schemas/Classification"
                  },
                  {
                   "type": "object",
                   "properties": {
                    "results": {
                     "type": "array",
                     "items": {
                      "$ref": "#/components/schemas/Classification"
                     }
                    }
                   },
                   "required": [
                    "results"
                   ]
                  }
                 ]
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             },
             "504": {
              "$ref": "#/components/responses/Timeout"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "text": {
                  "type": "string",
                  "minLength": 1
                 },
                 "texts": {
                  "type": "array",
                  "items": {
                   "type": "string",
                   "minLength": 1
                  },
                  "minItems": 1
                 },
                 "labels": {
                  "type": "array",
                  "items": {
                   "type": "string"
                  }
                 },
                 "multi_label": {
                  "type": "boolean"
                 },
                 "hypothesis_template": {
                  "type": "string"
                 },
                 "raw_scores": {
                  "type": "boolean"
                 }
                }
               }
              }
             }
            }
           }
          },
          "/toxicity": {
           "post": {
            "summary": "Toxicity scores per label",
            "operationId": "toxicity",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Scores",
              "content": {
               "application/json": {
                "schema": {
                 "oneOf": [
                  {
                   "$ref": "#/components/schemas/Toxicity"
                  },
                  {
                   "type": "object",
                   "properties": {
                    "results": {
                     "type": "array",
                     "items": {
                      "$ref": "#/components/schemas/Toxicity"
                     }
                    }
                   },
                   "required": [
                    "results"
                   ]
                  }
                 ]
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             },
             "504": {
              "$ref": "#/components/responses/Timeout"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "text": {
                  "type": "string",
                  "minLength": 1
                 },
                 "texts": {
                  "type": "array",
                  "items": {
                   "type": "string",
                   "minLength": 1
                  },
                  "minItems": 1
                 },
                 "threshold": {
                  "type": "number",
                  "minimum": 0,
                  "maximum": 1
                 },
                 "raw_scores": {
                  "type": "boolean"
                 }
                }
               }
              }
             }
            }
           }
          },
          "/rerank": {
           "post": {
            "summary": "Cross-encoder reranking (text-embeddings-inference's shape)",
            "operationId": "rerank",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Most relevant first",
              "content": {
               "application/json": {
                "schema": {
                 "type": "array",
                 "items": {
                  "type": "object",
                  "properties": {
                   "index": {
                    "type": "integer"
                   },
                   "score": {
                    "type": "number"
                   },
                   "text": {
                    "type": "string"
                   }
                  },
                  "required": [
                   "index",
                   "score"
                  ]
                 }
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             },
             "504": {
              "$ref": "#/components/responses/Timeout"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "query": {
                  "type": "string",
                  "minLength": 1
                 },
                 "texts": {
                  "type": "array",
                  "items": {
                   "type": "string"
                  },
                  "minItems": 1
                 },
                 "return_text": {
                  "type": "boolean"
                 },
                 "raw_scores": {
                  "type": "boolean"
                 },
                 "top_n": {
                  "type": "integer",
                  "minimum": 1
                 },
                 "truncate": {
                  "type": "boolean"
                 }
                },
                "required": [
                 "query",
                 "texts"
                ]
               }
              }
             }
            }
           }
          },
          "/risk": {
           "post": {
            "summary": "Risk score from the documented formula",
            "operationId": "risk",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Score, level and factors",
              "content": {
               "application/json": {
                "schema": {
                 "oneOf": [
                  {
                   "$ref": "#/components/schemas/Risk"
                  },
                  {
                   "type": "object",
                   "properties": {
                    "results": {
                     "type": "array",
                     "items": {
                      "$ref": "#/components/schemas/Risk"
                     }
                    }
                   },
                   "required": [
                    "results"
                   ]
                  }
                 ]
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             },
             "504": {
              "$ref": "#/components/responses/Timeout"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "text": {
                  "type": "string",
                  "minLength": 1
                 },
                 "texts": {
                  "type": "array",
                  "items": {
                   "type": "string",
                   "minLength": 1
                  },
                  "minItems": 1
                 },
                 "severity": {
                  "type": "string",
                  "description": "A name from RISK_SEVERITY_SCORES (default low, medium, high, critical), any case."
                 },
                 "category": {
                  "type": "string",
                  "minLength": 1
                 }
                }
               }
              }
             }
            }
           }
          },
          "/analyze": {
           "post": {
            "summary": "Classification, toxicity, risk and duplicates in one call",
            "operationId": "analyze",
            "tags": [
             "models"
            ],
            "responses": {
             "200": {
              "description": "Every part; a part whose model is missing is unavailable",
              "content": {
               "application/json": {
                "schema": {
                 "oneOf": [
                  {
                   "$ref": "#/components/schemas/Analysis"
                  },
                  {
                   "type": "object",
                   "properties": {
                    "results": {
                     "type": "array",
                     "items": {
                      "$ref": "#/components/schemas/Analysis"
                     }
                    }
                   },
                   "required": [
                    "results"
                   ]
                  }
                 ]
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/BadRequest"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "413": {
              "$ref": "#/components/responses/TooLarge"
             },
             "422": {
              "$ref": "#/components/responses/Invalid"
             },
             "429": {
              "$ref": "#/components/responses/TooMany"
             },
             "503": {
              "$ref": "#/components/responses/Unavailable"
             },
             "504": {
              "$ref": "#/components/responses/Timeout"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "text": {
                  "type": "string",
                  "minLength": 1
                 },
                 "texts": {
                  "type": "array",
                  "items": {
                   "type": "string",
                   "minLength": 1
                  },
                  "minItems": 1
                 },
                 "severity": {
                  "type": "string",
                  "description": "A name from RISK_SEVERITY_SCORES (default low, medium, high, critical), any case."
                 },
                 "category": {
                  "type": "string",
                  "minLength": 1
                 },
                 "labels": {
                  "type": "array",
                  "items": {
                   "type": "string"
                  }
                 },
                 "multi_label": {
                  "type": "boolean"
                 },
                 "hypothesis_template": {
                  "type": "string"
                 },
                 "candidates": {
                  "type": "array",
                  "items": {
                   "type": "string"
                  }
                 },
                 "duplicate_threshold": {
                  "type": "number",
                  "minimum": -1,
                  "maximum": 1
                 }
                }
               }
              }
             }
            }
           }
          },
          "/v1/embeddings": {
           "post": {
            "summary": "OpenAI embeddings: local models here, others through the gateway",
            "operationId": "openaiEmbeddings",
            "tags": [
             "gateway"
            ],
            "responses": {
             "200": {
              "description": "OpenAI's embedding list",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "object": {
                   "type": "string"
                  },
                  "data": {
                   "type": "array",
                   "items": {
                    "type": "object"
                   }
                  },
                  "model": {
                   "type": "string"
                  },
                  "usage": {
                   "type": "object"
                  }
                 },
                 "required": [
                  "data"
                 ]
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/OpenAI400"
             },
             "401": {
              "$ref": "#/components/responses/OpenAI401"
             },
             "404": {
              "$ref": "#/components/responses/OpenAI404"
             },
             "413": {
              "$ref": "#/components/responses/OpenAI413"
             },
             "422": {
              "$ref": "#/components/responses/OpenAI422"
             },
             "429": {
              "$ref": "#/components/responses/OpenAI429"
             },
             "502": {
              "$ref": "#/components/responses/OpenAI502"
             },
             "503": {
              "$ref": "#/components/responses/OpenAI503"
             },
             "504": {
              "$ref": "#/components/responses/OpenAI504"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "input": {
                  "oneOf": [
                   {
                    "type": "string"
                   },
                   {
                    "type": "array",
                    "items": {
                     "type": "string"
                    }
                   },
                   {
                    "type": "array",
                    "items": {
                     "type": "integer"
                    }
                   },
                   {
                    "type": "array",
                    "items": {
                     "type": "array",
                     "items": {
                      "type": "integer"
                     }
                    }
                   }
                  ]
                 },
                 "model": {
                  "type": "string"
                 },
                 "encoding_format": {
                  "type": "string",
                  "enum": [
                   "float",
                   "base64"
                  ]
                 },
                 "dimensions": {
                  "type": "integer",
                  "minimum": 1
                 },
                 "user": {
                  "type": "string"
                 }
                },
                "required": [
                 "input",
                 "model"
                ]
               }
              }
             }
            }
           }
          },
          "/v1/chat/completions": {
           "post": {
            "summary": "OpenAI chat completions to any enabled provider (stream: true for server-sent events)",
            "operationId": "chatCompletions",
            "tags": [
             "gateway"
            ],
            "responses": {
             "200": {
              "description": "A completion, or an event stream when stream is true",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "id": {
                   "type": "string"
                  },
                  "object": {
                   "type": "string"
                  },
                  "choices": {
                   "type": "array",
                   "items": {
                    "type": "object"
                   }
                  },
                  "model": {
                   "type": "string"
                  },
                  "usage": {
                   "type": "object"
                  }
                 },
                 "required": [
                  "choices"
                 ]
                }
               },
               "text/event-stream": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/OpenAI400"
             },
             "401": {
              "$ref": "#/components/responses/OpenAI401"
             },
             "404": {
              "$ref": "#/components/responses/OpenAI404"
             },
             "413": {
              "$ref": "#/components/responses/OpenAI413"
             },
             "422": {
              "$ref": "#/components/responses/OpenAI422"
             },
             "429": {
              "$ref": "#/components/responses/OpenAI429"
             },
             "502": {
              "$ref": "#/components/responses/OpenAI502"
             },
             "503": {
              "$ref": "#/components/responses/OpenAI503"
             },
             "504": {
              "$ref": "#/components/responses/OpenAI504"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "model": {
                  "type": "string"
                 },
                 "messages": {
                  "type": "array",
                  "items": {
                   "type": "object"
                  },
                  "minItems": 1
                 },
                 "stream": {
                  "type": "boolean"
                 }
                },
                "required": [
                 "model",
                 "messages"
                ]
               }
              }
             }
            }
           }
          },
          "/v1/responses": {
           "post": {
            "summary": "OpenAI Responses API (passed through to OpenAI, translated for other providers; stream: true for server-sent events)",
            "operationId": "responses",
            "tags": [
             "gateway"
            ],
            "responses": {
             "200": {
              "description": "A response, or an event stream when stream is true",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "id": {
                   "type": "string"
                  },
                  "object": {
                   "type": "string"
                  },
                  "output": {
                   "type": "array",
                   "items": {
                    "type": "object"
                   }
                  },
                  "status": {
                   "type": "string"
                  },
                  "model": {
                   "type": "string"
                  },
                  "usage": {
                   "type": "object"
                  }
                 },
                 "required": [
                  "output"
                 ]
                }
               },
               "text/event-stream": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/OpenAI400"
             },
             "401": {
              "$ref": "#/components/responses/OpenAI401"
             },
             "404": {
              "$ref": "#/components/responses/OpenAI404"
             },
             "413": {
              "$ref": "#/components/responses/OpenAI413"
             },
             "422": {
              "$ref": "#/components/responses/OpenAI422"
             },
             "429": {
              "$ref": "#/components/responses/OpenAI429"
             },
             "502": {
              "$ref": "#/components/responses/OpenAI502"
             },
             "503": {
              "$ref": "#/components/responses/OpenAI503"
             },
             "504": {
              "$ref": "#/components/responses/OpenAI504"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "model": {
                  "type": "string"
                 },
                 "input": {
                  "anyOf": [
                   {
                    "type": "string"
                   },
                   {
                    "type": "array",
                    "items": {
                     "type": "object"
                    },
                    "minItems": 1
                   }
                  ]
                 },
                 "instructions": {
                  "type": "string"
                 },
                 "stream": {
                  "type": "boolean"
                 }
                },
                "required": [
                 "model",
                 "input"
                ]
               }
              }
             }
            }
           }
          },
          "/v1/messages": {
           "post": {
            "summary": "Anthropic Messages API (passed through to Anthropic, translated for other providers)",
            "operationId": "messages",
            "tags": [
             "gateway"
            ],
            "responses": {
             "200": {
              "description": "A message, or an event stream when stream is true",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "id": {
                   "type": "string"
                  },
                  "type": {
                   "type": "string"
                  },
                  "role": {
                   "type": "string"
                  },
                  "content": {
                   "type": "array",
                   "items": {
                    "type": "object"
                   }
                  },
                  "model": {
                   "type": "string"
                  }
                 },
                 "required": [
                  "content"
                 ]
                }
               },
               "text/event-stream": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/Anthropic400"
             },
             "401": {
              "$ref": "#/components/responses/Anthropic401"
             },
             "404": {
              "$ref": "#/components/responses/Anthropic404"
             },
             "413": {
              "$ref": "#/components/responses/Anthropic413"
             },
             "422": {
              "$ref": "#/components/responses/Anthropic422"
             },
             "429": {
              "$ref": "#/components/responses/Anthropic429"
             },
             "502": {
              "$ref": "#/components/responses/Anthropic502"
             },
             "503": {
              "$ref": "#/components/responses/Anthropic503"
             },
             "504": {
              "$ref": "#/components/responses/Anthropic504"
             },
             "529": {
              "$ref": "#/components/responses/Anthropic529"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "model": {
                  "type": "string"
                 },
                 "max_tokens": {
                  "type": "integer"
                 },
                 "messages": {
                  "type": "array",
                  "items": {
                   "type": "object"
                  },
                  "minItems": 1
                 },
                 "stream": {
                  "type": "boolean"
                 }
                },
                "required": [
                 "model",
                 "messages"
                ]
               }
              }
             }
            }
           }
          },
          "/v1/messages/count_tokens": {
           "post": {
            "summary": "Anthropic token counting (passed through to the Anthropic deployments the model routes to)",
            "operationId": "countTokens",
            "tags": [
             "gateway"
            ],
            "responses": {
             "200": {
              "description": "The prompt's input token count",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "input_tokens": {
                   "type": "integer"
                  }
                 },
                 "required": [
                  "input_tokens"
                 ]
                }
               }
              }
             },
             "400": {
              "$ref": "#/components/responses/Anthropic400"
             },
             "401": {
              "$ref": "#/components/responses/Anthropic401"
             },
             "404": {
              "$ref": "#/components/responses/Anthropic404"
             },
             "413": {
              "$ref": "#/components/responses/Anthropic413"
             },
             "422": {
              "$ref": "#/components/responses/Anthropic422"
             },
             "429": {
              "$ref": "#/components/responses/Anthropic429"
             },
             "502": {
              "$ref": "#/components/responses/Anthropic502"
             },
             "503": {
              "$ref": "#/components/responses/Anthropic503"
             },
             "504": {
              "$ref": "#/components/responses/Anthropic504"
             },
             "529": {
              "$ref": "#/components/responses/Anthropic529"
             }
            },
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "model": {
                  "type": "string"
                 },
                 "messages": {
                  "type": "array",
                  "items": {
                   "type": "object"
                  },
                  "minItems": 1
                 }
                },
                "required": [
                 "model",
                 "messages"
                ]
               }
              }
             }
            }
           }
          },
          "/v1/models": {
           "get": {
            "summary": "Local models, aliases and every enabled provider's models",
            "operationId": "listModels",
            "tags": [
             "gateway"
            ],
            "responses": {
             "200": {
              "description": "OpenAI's model list",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "object": {
                   "type": "string"
                  },
                  "data": {
                   "type": "array",
                   "items": {
                    "type": "object",
                    "properties": {
                     "id": {
                      "type": "string"
                     },
                     "object": {
                      "type": "string"
                     },
                     "created": {
                      "type": "integer"
                     },
                     "owned_by": {
                      "type": "string"
                     }
                    },
                    "required": [
                     "id",
                     "object"
                    ]
                   }
                  }
                 },
                 "required": [
                  "object",
                  "data"
                 ]
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/OpenAI401"
             },
             "429": {
              "$ref": "#/components/responses/OpenAI429"
             },
             "503": {
              "$ref": "#/components/responses/OpenAI503"
             }
            }
           }
          },
          "/v1/models/{id}": {
           "get": {
            "summary": "One model (ids may contain /)",
            "operationId": "getModel",
            "tags": [
             "gateway"
            ],
            "responses": {
             "200": {
              "description": "The model",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object",
                 "properties": {
                  "id": {
                   "type": "string"
                  },
                  "object": {
                   "type": "string"
                  },
                  "created": {
                   "type": "integer"
                  },
                  "owned_by": {
                   "type": "string"
                  }
                 },
                 "required": [
                  "id",
                  "object"
                 ]
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/OpenAI401"
             },
             "404": {
              "$ref": "#/components/responses/OpenAI404"
             },
             "429": {
              "$ref": "#/components/responses/OpenAI429"
             },
             "503": {
              "$ref": "#/components/responses/OpenAI503"
             }
            },
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string"
              }
             }
            ]
           }
          }
         },
         "components": {
          "securitySchemes": {
           "bearer": {
            "type": "http",
            "scheme": "bearer"
           },
           "apiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key"
           }
          },
          "schemas": {
           "ErrorDetail": {
            "type": "object",
            "properties": {
             "type": {
              "type": "string"
             },
             "message": {
              "type": "string"
             }
            },
            "required": [
             "type",
             "message"
            ]
           },
           "Error": {
            "type": "object",
            "properties": {
             "error": {
              "$ref": "#/components/schemas/ErrorDetail"
             }
            },
            "required": [
             "error"
            ]
           },
           "Classification": {
            "type": "object",
            "properties": {
             "sequence": {
              "type": "string"
             },
             "labels": {
              "type": "array",
              "items": {
               "type": "string"
              }
             },
             "scores": {
              "type": "array",
              "items": {
               "type": "number"
              }
             },
             "raw_scores": {
              "type": "array",
              "items": {
               "type": "number"
              }
             },
             "model": {
              "type": "string"
             },
             "method": {
              "type": "string",
              "enum": [
               "nli",
               "embedding"
              ]
             },
             "multi_label": {
              "type": "boolean"
             },
             "cascade": {
              "type": "object",
              "properties": {
               "fast_model": {
                "type": "string"
               },
               "fast_top_label": {
                "type": [
                 "string",
                 "null"
                ]
               },
               "fast_top_score": {
                "type": [
                 "number",
                 "null"
                ]
               },
               "threshold": {
                "type": "number"
               },
               "escalated": {
                "type": "boolean"
               },
               "fast_model_unavailable": {
                "type": "string"
               }
              },
              "required": [
               "fast_model",
               "threshold",
               "escalated"
              ]
             }
            },
            "required": [
             "sequence",
             "labels",
             "scores",
             "model",
             "method",
             "multi_label"
            ]
           },
           "Toxicity": {
            "type": "object",
            "properties": {
             "scores": {
              "type": "object",
              "additionalProperties": {
               "type": "number"
              }
             },
             "raw_scores": {
              "type": "object",
              "additionalProperties": {
               "type": "number"
              }
             },
             "is_toxic": {
              "type": "boolean"
             },
             "flagged": {
              "type": "array",
              "items": {
               "type": "string"
              }
             },
             "top_label": {
              "type": "string"
             },
             "top_score": {
              "type": "number"
             },
             "threshold": {
              "type": "number"
             },
             "model": {
              "type": "string"
             }
            },
            "required": [
             "scores",
             "is_toxic",
             "flagged",
             "top_label",
             "top_score",
             "threshold",
             "model"
            ]
           },
           "RiskFactor": {
            "type": "object",
            "properties": {
             "value": {
              "type": "number"
             },
             "weight": {
              "type": "number"
             },
             "contribution": {
              "type": "number"
             },
             "category": {
              "type": "string"
             },
             "source": {
              "type": "string"
             },
             "confidence": {
              "type": "number"
             },
             "severity": {
              "type": "string"
             },
             "label": {
              "type": "string"
             },
             "model": {
              "type": "string"
             },
             "cues": {
              "type": "array",
              "items": {
               "type": "string"
              }
             }
            },
            "required": [
             "value",
             "weight",
             "contribution"
            ]
           },
           "Risk": {
            "type": "object",
            "properties": {
             "score": {
              "type": "number"
             },
             "level": {
              "type": "string",
              "enum": [
               "low",
               "medium",
               "high",
               "critical"
              ]
             },
             "category": {
              "type": [
               "string",
               "null"
              ]
             },
             "factors": {
              "type": "object",
              "additionalProperties": {
               "$ref": "#/components/schemas/RiskFactor"
              }
             },
             "unavailable": {
              "type": "object",
              "additionalProperties": {
               "type": "string"
              }
             }
            },
            "required": [
             "score",
             "level",
             "category",
             "factors",
             "unavailable"
            ]
           },
           "Unavailable": {
            "type": "object",
            "properties": {
             "available": {
              "const": false
             },
             "error": {
              "$ref": "#/components/schemas/ErrorDetail"
             }
            },
            "required": [
             "available",
             "error"
            ]
           },
           "Analysis": {
            "type": "object",
            "properties": {
             "classification": {
              "oneOf": [
               {
                "$ref": "#/components/schemas/Classification"
               },
               {
                "$ref": "#/components/schemas/Unavailable"
               }
              ]
             },
             "toxicity": {
              "oneOf": [
               {
                "$ref": "#/components/schemas/Toxicity"
               },
               {
                "$ref": "#/components/schemas/Unavailable"
               }
              ]
             },
             "risk": {
              "$ref": "#/components/schemas/Risk"
             },
             "duplicates": {
              "oneOf": [
               {
                "type": "array",
                "items": {
                 "type": "object",
                 "properties": {
                  "index": {
                   "type": "integer"
                  },
                  "text": {
                   "type": "string"
                  },
                  "score": {
                   "type": "number"
                  }
                 },
                 "required": [
                  "index",
                  "text",
                  "score"
                 ]
                }
               },
               {
                "$ref": "#/components/schemas/Unavailable"
               }
              ]
             }
            },
            "required": [
             "classification",
             "toxicity",
             "risk"
            ]
           },
           "OpenAIError": {
            "type": "object",
            "properties": {
             "error": {
              "type": "object",
              "properties": {
               "message": {
                "type": "string"
               },
               "type": {
                "type": "string"
               },
               "param": {},
               "code": {}
              },
              "required": [
               "message",
               "type"
              ]
             }
            },
            "required": [
             "error"
            ]
           },
           "AnthropicError": {
            "anyOf": [
             {
              "type": "object",
              "properties": {
               "type": {
                "const": "error"
               },
               "error": {
                "type": "object",
                "properties": {
                 "type": {
                  "type": "string"
                 },
                 "message": {
                  "type": "string"
                 }
                },
                "required": [
                 "type",
                 "message"
                ]
               }
              },
              "required": [
               "type",
               "error"
              ]
             },
             {
              "type": "object",
              "properties": {
               "error": {
                "type": "object",
                "properties": {
                 "message": {
                  "type": "string"
                 },
                 "type": {
                  "type": "string"
                 },
                 "param": {},
                 "code": {}
                },
                "required": [
                 "message",
                 "type"
                ]
               }
              },
              "required": [
               "error"
              ]
             }
            ]
           }
          },
          "responses": {
           "BadRequest": {
            "description": "Malformed JSON",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "Unauthorized": {
            "description": "Missing or invalid API key",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "NotFound": {
            "description": "Not found",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "TooLarge": {
            "description": "Body, batch or input too large",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "Invalid": {
            "description": "A missing, empty or wrongly typed field",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "TooMany": {
            "description": "Rate limited or queue full (Retry-After)",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "Unavailable": {
            "description": "Model not loaded, overloaded or shutting down (Retry-After)",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "Timeout": {
            "description": "PREDICTION_TIMEOUT passed",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "BadGateway": {
            "description": "Upstream failed",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "OpenAI400": {
            "description": "Invalid request",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI401": {
            "description": "Missing or invalid API key",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI404": {
            "description": "Unknown model",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI413": {
            "description": "Too large",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI422": {
            "description": "Invalid field",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI429": {
            "description": "Rate limited (here or upstream)",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI502": {
            "description": "Upstream failed",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI503": {
            "description": "Overloaded or model not loaded",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "OpenAI504": {
            "description": "Upstream timeout",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/OpenAIError"
              }
             }
            }
           },
           "Anthropic400": {
            "description": "Invalid request",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic401": {
            "description": "Missing or invalid API key",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic404": {
            "description": "Unknown model",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic413": {
            "description": "Too large",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic422": {
            "description": "Invalid field",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic429": {
            "description": "Rate limited",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic502": {
            "description": "Upstream failed",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic503": {
            "description": "Overloaded",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic504": {
            "description": "Upstream timeout",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           },
           "Anthropic529": {
            "description": "Upstream overloaded",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/AnthropicError"
              }
             }
            }
           }
          }
         }
        }
        """#
}
