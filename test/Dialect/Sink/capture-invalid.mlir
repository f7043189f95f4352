// Verifier failures of sink.capture.
//
// RUN: sinkc-opt %s -split-input-file -verify-diagnostics

func.func @state(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{'sink.capture' op unknown state 'keys'; expected one of hidden, mlp_input, mlp_out}}
  sink.capture %x capture 0 layer 0 state "keys" : tensor<?x?x8xf32>
  return
}

// -----

func.func @id(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{'sink.capture' op capture id must be non-negative, got -1}}
  sink.capture %x capture -1 layer 0 state "hidden" : tensor<?x?x8xf32>
  return
}

// -----

func.func @layer(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{'sink.capture' op layer must be non-negative, got -2}}
  sink.capture %x capture 0 layer -2 state "hidden" : tensor<?x?x8xf32>
  return
}

// -----

func.func @width(%x: tensor<?x?x?xf32>) {
  // expected-error @+1 {{'sink.capture' op needs a static, positive width (the last dimension) to record in the manifest, got [?, ?, ?]}}
  sink.capture %x capture 0 layer 0 state "hidden" : tensor<?x?x?xf32>
  return
}

// -----

// The runtime receives f32 rows; the capture pass casts other types.
func.func @element_type(%x: tensor<?x?x8xf16>) {
  // expected-error @+1 {{'sink.capture' op operand #0 must be 3D tensor of 32-bit float values}}
  sink.capture %x capture 0 layer 0 state "hidden" : tensor<?x?x8xf16>
  return
}

// -----

func.func @rank(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{'sink.capture' op operand #0 must be 3D tensor of 32-bit float values}}
  sink.capture %x capture 0 layer 0 state "hidden" : tensor<?x8xf32>
  return
}
