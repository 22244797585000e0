{ k8s, common }:
k8s.deployment (common // {
  name = "worker";
  image = "registry.example.com/shop/worker:2.4.1";
  env.QUEUE = "orders";
})
